from kcheck import spawn
import no_such_module_xyz
def main():
    pass
