from kcheck import spawn


def spin():
    while True:         # plain Python, never reaches a kernel call
        pass


def main():
    spawn(spin, name="cpu0")
