// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flows of the TDP MMU model (kcheck/models/tdp_mmu/flows.py), as a C
 * harness: each flow is one task running KVM's real sequence, main() builds
 * the VM, starts the flows (after a resident vCPU's boot, with RESIDENT=1),
 * joins them and tears the VM down as kvm_destroy_vm() does.
 *
 *	kcheck check examples/c/tdp_mmu/sean-v3.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
 *
 * FLOWS lists the scenario's flows: VCPU (load a root, fault on GFNs, put the
 * root), MEMSLOT (kvm_mmu_zap_all_fast() under slots_lock), NOTIFIER (an MMU
 * notifier unmap of one GFN), DIRTY_LOG (a read-side walk clearing dirty
 * bits), ZAP_ALL (kvm_mmu_zap_all()).
 */
#include <pthread.h>
#include <kcheck.h>

#ifndef FLOWS
#define FLOWS		VCPU, DIRTY_LOG
#endif
#ifndef GFNS
#define GFNS		2	/* GFNs each vCPU faults on (0 .. GFNS-1) */
#endif
#ifndef SLOT_PAGES
#define SLOT_PAGES	2	/* GFNs the dirty-log walk covers */
#endif
#ifndef NOTIFIER_GFN
#define NOTIFIER_GFN	0	/* the GFN the MMU notifier unmaps */
#endif
#ifndef FAULT_ATTEMPTS
#define FAULT_ATTEMPTS	2	/* a vCPU re-enters the guest at most this many times per GFN */
#endif
#ifndef RESIDENT
#define RESIDENT	0	/* vCPUs that loaded a root and mapped every GFN before the flows */
#endif

enum flow { VCPU, MEMSLOT, NOTIFIER, DIRTY_LOG, ZAP_ALL };

static const int scenario[] = { FLOWS };
#define NFLOWS		((int)ARRAY_SIZE(scenario))

static struct kvm kvm;
static struct kvm_vcpu vcpus[RESIDENT + NFLOWS];
static pthread_t boot_thread;

/* Resident vCPUs: each loads its root (or shares one) and maps every GFN, then
 * stays out of the guest holding its reference until teardown. */
static __kcheck_setup void *boot(void *arg)
{
	bool stale;
	int i, gfn;

	for (i = 0; i < RESIDENT; i++) {
		kvm_mmu_load(&vcpus[i]);
		for (gfn = 0; gfn < GFNS; gfn++)
			direct_page_fault(&vcpus[i], gfn, &stale);
	}
	return NULL;
}

static void wait_for_boot(void)
{
	if (RESIDENT)
		pthread_join(boot_thread, NULL);
}

static void *vcpu(void *arg)
{
	struct kvm_vcpu *v = arg;
	bool stale;
	int gfn, attempt, r;

	wait_for_boot();
	kvm_mmu_load(v);
	for (gfn = 0; gfn < GFNS; gfn++) {
		for (attempt = 0; attempt < FAULT_ATTEMPTS; attempt++) {
			r = direct_page_fault(v, gfn, &stale);
			if (stale) {
				kvm_mmu_reload_obsolete(v);
				continue;
			}
			if (r == RET_PF_RETRY)
				continue;
			break;
		}
	}
	kvm_mmu_unload(v);
	return NULL;
}

static void *memslot(void *arg)
{
	wait_for_boot();
	mutex_lock(&kvm.slots_lock);
	kvm_mmu_zap_all_fast(&kvm);
	if (CHECKS)
		check_invalid_roots_zapped(&kvm);
	mutex_unlock(&kvm.slots_lock);
	return NULL;
}

static void *notifier(void *arg)
{
	wait_for_boot();
	kvm_unmap_gfn_range(&kvm, NOTIFIER_GFN, NOTIFIER_GFN + 1);
	return NULL;
}

static void *dirty_log(void *arg)
{
	wait_for_boot();
	kvm_mmu_slot_leaf_clear_dirty(&kvm, 0, SLOT_PAGES);
	return NULL;
}

static void *zap_all(void *arg)
{
	wait_for_boot();
	kvm_mmu_zap_all(&kvm);
	return NULL;
}

static void *(*const flow_fn[])(void *) = {
	[VCPU] = vcpu, [MEMSLOT] = memslot, [NOTIFIER] = notifier,
	[DIRTY_LOG] = dirty_log, [ZAP_ALL] = zap_all,
};

int main(void)
{
	union kvm_mmu_page_role role = {
		.level = LEVELS, .direct = 1, .access = ACC_ALL, .efer_nx = 1, .cr0_wp = 1,
	};
	pthread_t t[NFLOWS];
	int i, nvcpus = 0;

	kvm_mmu_init_tdp_mmu(&kvm);
	for (i = 0; i < RESIDENT + NFLOWS; i++) {
		vcpus[i].kvm = &kvm;
		vcpus[i].vcpu_idx = i;
		vcpus[i].arch.mmu.root_hpa = INVALID_PAGE;
		vcpus[i].arch.mmu.root_role = role;
	}

	if (RESIDENT)
		pthread_create(&boot_thread, NULL, boot, NULL);
	for (i = 0; i < NFLOWS; i++)
		pthread_create(&t[i], NULL, flow_fn[scenario[i]],
			       scenario[i] == VCPU ? &vcpus[RESIDENT + nvcpus++] : NULL);

	/* kvm_destroy_vm() */
	if (RESIDENT)
		pthread_join(boot_thread, NULL);
	for (i = 0; i < NFLOWS; i++)
		pthread_join(t[i], NULL);
	kvm_mmu_zap_all(&kvm);				/* kvm_arch_flush_shadow_all() */
	for (i = 0; i < RESIDENT + nvcpus; i++)
		kvm_mmu_unload(&vcpus[i]);		/* kvm_mmu_destroy() */
	kvm_mmu_uninit_tdp_mmu(&kvm);
	return 0;
}
