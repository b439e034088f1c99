"""The bare stack: a Flask "hello world" served under the same gunicorn settings as the site.

Every figure of the benchmark is also given as a share of this app's requests per second, measured in the
same run, so the figures mean something on a noisy or shared machine.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
