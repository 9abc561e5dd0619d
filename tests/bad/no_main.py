from kcheck import spawn
def start():
    pass
