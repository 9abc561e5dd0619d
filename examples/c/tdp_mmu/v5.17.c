// SPDX-License-Identifier: GPL-2.0-only
/*
 * v5.17 as released: kvm_tdp_mmu_put_root() zaps the whole tree without
 * yielding, then call_rcu(); valid and invalid roots alike.
 *
 *	kcheck check examples/c/tdp_mmu/v5.17.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
 */
#include "tdp_mmu.c"
#include "harness.c"
