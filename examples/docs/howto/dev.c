struct dev_flags {
	unsigned int open:1;
	unsigned int dying:1;
};

struct dev {
	spinlock_t lock;
	struct dev_flags flags;		/* both bits share one word */
	atomic_t users;
};

int dev_open(struct dev *d)
{
	spin_lock(&d->lock);
	if (d->flags.dying) {
		spin_unlock(&d->lock);
		return -ENODEV;
	}
	d->flags.open = 1;
	atomic_inc(&d->users);
	spin_unlock(&d->lock);
	return 0;
}

void dev_kill(struct dev *d)
{
	d->flags.dying = 1;		/* no lock: "it is only one bit" */
}
