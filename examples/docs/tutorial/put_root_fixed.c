// SPDX-License-Identifier: GPL-2.0-only
/*
 * put_root() with refcount_dec_and_test(): whoever drops the last reference
 * frees the root, and nobody can take one after that (refcount_inc_not_zero()
 * fails at zero) - the same miniature of the root lifecycle.
 */
#include <linux/kernel.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <pthread.h>

union kvm_mmu_page_role {
	u32 word;
	struct {
		unsigned level:4;
		unsigned :7;
		unsigned invalid:1;		/* bit 11 */
	};
};

struct kvm_mmu_page {
	refcount_t tdp_mmu_root_count;
	union kvm_mmu_page_role role;
	struct rcu_head rcu_head;
	int spt;
};

struct kvm {
	struct kvm_mmu_page __rcu *root;
};

static struct kvm kvm;

static void free_root(struct rcu_head *head)
{
	kfree(container_of(head, struct kvm_mmu_page, rcu_head));
}

/* set role.invalid, return the old bit: xchg() of the whole word */
static bool mark_invalid(struct kvm_mmu_page *root)
{
	union kvm_mmu_page_role role = root->role;

	role.invalid = true;
	role.word = xchg(&root->role.word, role.word);
	return role.invalid;
}

static void put_root(struct kvm *kvm, struct kvm_mmu_page *root)
{
	if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
		return;

	if (!mark_invalid(root))
		WRITE_ONCE(root->spt, 0);	/* zap the root */

	rcu_assign_pointer(kvm->root, NULL);
	call_rcu(&root->rcu_head, free_root);
}

static void *vcpu(void *arg)
{
	put_root(&kvm, arg);			/* the vCPU drops its root */
	return NULL;
}

static void *dirty_log(void *arg)
{
	struct kvm_mmu_page *root;
	bool got = false;

	rcu_read_lock();
	root = rcu_dereference(kvm.root);
	if (root)
		got = refcount_inc_not_zero(&root->tdp_mmu_root_count);
	rcu_read_unlock();
	if (got) {
		READ_ONCE(root->spt);		/* walk it: a reference, no RCU needed */
		put_root(&kvm, root);
	}
	return NULL;
}

int main(void)
{
	struct kvm_mmu_page *root = kzalloc(sizeof(*root), GFP_KERNEL);
	pthread_t t1, t2;

	refcount_set(&root->tdp_mmu_root_count, 1);
	root->role.level = 4;
	kvm.root = root;
	pthread_create(&t1, NULL, vcpu, root);
	pthread_create(&t2, NULL, dirty_log, NULL);
	return 0;
}
