from kcheck import spawn
def main(:
    pass
