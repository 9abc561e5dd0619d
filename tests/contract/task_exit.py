import sys
from kcheck import spawn


def task():
    sys.exit(3)


def main():
    spawn(task, name="t")
