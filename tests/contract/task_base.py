from kcheck import spawn


class Boom(BaseException):
    """Not an Exception: escapes ``except Exception``."""


def task():
    raise Boom("custom")


def main():
    spawn(task, name="t")
