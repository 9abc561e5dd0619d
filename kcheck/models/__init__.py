"""Models written against kcheck.kernel (``tdp_mmu``: the KVM TDP MMU root lifecycle)."""
