class BenchError(RuntimeError):
    pass
