"""kcheck.models.tdp_mmu — the KVM TDP MMU root lifecycle, written against kcheck.kernel.

Layers (each module one concern):

- ``spte``       SPTE bits and page-table geometry
- ``structs``    struct kvm, struct kvm_mmu_page (with the real role bitfield), the vCPU
- ``tdp_iter``   the pre-order SPTE iterator
- ``v5_17``      every TDP MMU function and mmu.c caller as of v5.17
- ``variants``   the thread's four put_root proposals, v5.18 and v6.6 (overrides)
- ``mutants``    deliberately broken copies, each with the scenario that catches it
- ``flows``      the flows, scenarios and ``main()``
- ``claims``     claims C1–C18 decided by checks
- ``cli``        the ``kcheck tdp-mmu`` command group

Public API::

    build_main(variant, scenario, **sizes) -> main     # for kcheck.check
    VARIANTS, FLOWS, MUTANTS, CLAIMS                   # name -> object with .doc

A mutant is selected as ``build_main("v5.18/no-refcount-set-1", ...)`` or
``build_main("v5.18", ..., mutant="no-refcount-set-1")``.
"""

from .flows import DEFAULT_SIZES, FLOWS, make_main, parse_scenario
from .mutants import MUTANTS
from .variants import VARIANT_CLASSES

VARIANTS = {cls.name: cls for cls in VARIANT_CLASSES}


def resolve(variant: str, mutant: str | None = None):
    """The implementation class for a variant name, ``BASE/MUTANT``, or variant + mutant."""
    if variant and "/" in variant:
        variant, _, m = variant.partition("/")
        if mutant and mutant != m:
            raise ValueError(f"two mutants given: {m!r} and {mutant!r}")
        mutant = m
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; variants: {', '.join(VARIANTS)}")
    if not mutant:
        return VARIANTS[variant]
    if mutant not in MUTANTS:
        raise ValueError(f"unknown mutant {mutant!r}; mutants: {', '.join(MUTANTS)}")
    m = MUTANTS[mutant]
    if m.base != variant:
        raise ValueError(f"mutant {mutant!r} is a copy of {m.base!r}, not {variant!r}")
    return m.cls


def build_main(variant: str, scenario: str, mutant: str | None = None, **sizes):
    """A ``main()`` for ``kcheck.check`` running ``scenario``'s flows on ``variant``."""
    cls = resolve(variant, mutant)
    return make_main(cls, scenario, **sizes)


def __getattr__(name):
    # CLAIMS imports kcheck.check lazily (claims.py), keep import of the model cheap
    if name == "CLAIMS":
        from .claims import CLAIMS
        return CLAIMS
    raise AttributeError(name)


__all__ = ["build_main", "resolve", "VARIANTS", "FLOWS", "MUTANTS", "CLAIMS",
           "DEFAULT_SIZES", "parse_scenario"]
