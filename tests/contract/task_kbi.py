from kcheck import spawn


def task():
    raise KeyboardInterrupt


def main():
    spawn(task, name="t")
