"""The platform administrator's view across every council, and creating councils."""
