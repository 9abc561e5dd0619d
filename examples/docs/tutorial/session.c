struct session {
	refcount_t refs;
	int hits;
	struct rcu_head rcu;
};

static struct session __rcu *cur_session;

static void session_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct session, rcu));
}

static void session_put(struct session *s)
{
	if (refcount_dec_and_test(&s->refs))
		call_rcu(&s->rcu, session_free_rcu);
}

/* Look the session up and take a reference to it. */
static struct session *session_get(void)
{
	struct session *s;

	rcu_read_lock();
	s = rcu_dereference(cur_session);
	if (s)
		refcount_inc(&s->refs);
	rcu_read_unlock();
	return s;
}

static void session_hit(void)
{
	struct session *s = session_get();

	if (!s)
		return;
	s->hits++;
	session_put(s);
}

static void session_close(void)
{
	struct session *s = rcu_dereference_protected(cur_session, 1);

	RCU_INIT_POINTER(cur_session, NULL);
	session_put(s);
}
