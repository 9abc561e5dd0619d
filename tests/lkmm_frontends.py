"""Litmus shapes written three ways - the litmus test, a kcheck Python model and
kernel C - with herd7's verdict on the litmus test (herd7 7.58 and the LKMM
files of ../shared/litmus/lkmm, 2026-11-30): the oracle of the Python and C
front ends' LKMM semantics (tests/test_lkmm_frontends.py).  The litmus
front end has its own corpus; this one checks that each front end maps
each primitive (and its dependencies) to what herd7 gives it.

``T(name, litmus, python bodies, python condition, C condition, ...)``: the
Python bodies read the struct ``g`` (``L(g, "x")`` is ``&g->x``) and save
their registers in ``g.o<proc>_<reg>``; the C program keeps the litmus
bodies verbatim and saves the registers in globals; both check the exists
clause after joining every process (a BUG_ON when it holds).
"""

TESTS = []
def T(name, lit, py, pycond, ccond, cglob="static int x, y, z, w;", pyinit="", pysetup=""):
    TESTS.append(dict(name=name, lit=lit, py=py, pycond=pycond, ccond=ccond, cglob=cglob,
                      pyinit=pyinit, pysetup=pysetup))

# ---------------------------------------------------------------- MP family
MPC = "out_1_r0 == 1 && out_1_r1 == 0"
MPP = "g.o1_r0 == 1 and g.o1_r1 == 0"
T("MP+pos", """
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*y);
	r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    WRITE_ONCE(L(g, "y"), 1)
def P1(g):
    r0 = READ_ONCE(L(g, "y"))
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", MPP, MPC)

T("MP+wmb+rmb", """
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1;
	r0 = READ_ONCE(*y);
	smp_rmb();
	r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    smp_wmb()
    WRITE_ONCE(L(g, "y"), 1)
def P1(g):
    r0 = READ_ONCE(L(g, "y"))
    smp_rmb()
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", MPP, MPC)

T("MP+atomic-setrel+readacq", """
{}
P0(int *x, atomic_t *a)
{
	WRITE_ONCE(*x, 1);
	atomic_set_release(a, 1);
}
P1(int *x, atomic_t *a)
{
	int r0;
	int r1;
	r0 = atomic_read_acquire(a);
	r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    atomic_set_release(g.a, 1)
def P1(g):
    r0 = atomic_read_acquire(g.a)
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", MPP, MPC, cglob="static int x; static atomic_t a;")

T("MP+wmb+ctrl", """
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r0;
	int r1 = 0;
	r0 = READ_ONCE(*y);
	if (r0)
		r1 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    smp_wmb()
    WRITE_ONCE(L(g, "y"), 1)
def P1(g):
    r1 = 0
    r0 = READ_ONCE(L(g, "y"))
    if r0:
        r1 = READ_ONCE(L(g, "x"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", MPP, MPC)

PTRGLOB = "static int x, y;\nstatic int *p = &y;"
PTRSETUP = '    H["x"] = Cell(); H["y"] = Cell(); g.p = H["y"]\n'
# note: g.p = ... in main is an initial store (main's stores are the initial state)
T("MP+wmb+addr", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	int r1;
	r0 = READ_ONCE(*p);
	r1 = READ_ONCE(*r0);
}
exists (1:r0=x /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 1)
    smp_wmb()
    WRITE_ONCE(L(g, "p"), H["x"])
def P1(g):
    r0 = READ_ONCE(L(g, "p"))
    r1 = READ_ONCE(L(r0, "v"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", 'g.o1_r0 == H["x"] and g.o1_r1 == 0', "out_1_r0 == (unsigned long)&x && out_1_r1 == 0",
  cglob=PTRGLOB, pysetup=PTRSETUP)

T("MP+wmb+po-noaddr", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	int r1;
	r0 = READ_ONCE(*p);
	r1 = READ_ONCE(*x);
}
exists (1:r0=x /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 1)
    smp_wmb()
    WRITE_ONCE(L(g, "p"), H["x"])
def P1(g):
    r0 = READ_ONCE(L(g, "p"))
    r1 = READ_ONCE(L(H["x"], "v"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", 'g.o1_r0 == H["x"] and g.o1_r1 == 0', "out_1_r0 == (unsigned long)&x && out_1_r1 == 0",
  cglob=PTRGLOB, pysetup=PTRSETUP)

T("MP+rcuassign+rcuderef", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 1);
	rcu_assign_pointer(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	int r1;
	rcu_read_lock();
	r0 = rcu_dereference(*p);
	r1 = READ_ONCE(*r0);
	rcu_read_unlock();
}
exists (1:r0=x /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 1)
    rcu_assign_pointer(L(g, "p"), H["x"])
def P1(g):
    rcu_read_lock()
    r0 = rcu_dereference(L(g, "p"))
    r1 = READ_ONCE(L(r0, "v"))
    rcu_read_unlock()
    g.o1_r0 = r0; g.o1_r1 = r1
""", 'g.o1_r0 == H["x"] and g.o1_r1 == 0', "out_1_r0 == (unsigned long)&x && out_1_r1 == 0",
  cglob=PTRGLOB, pysetup=PTRSETUP)

T("MP+onceassign-nobarrier+rcuderef", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 1);
	WRITE_ONCE(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	int r1;
	rcu_read_lock();
	r0 = rcu_dereference(*p);
	r1 = READ_ONCE(*r0);
	rcu_read_unlock();
}
exists (1:r0=x /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 1)
    WRITE_ONCE(L(g, "p"), H["x"])
def P1(g):
    rcu_read_lock()
    r0 = rcu_dereference(L(g, "p"))
    r1 = READ_ONCE(L(r0, "v"))
    rcu_read_unlock()
    g.o1_r0 = r0; g.o1_r1 = r1
""", 'g.o1_r0 == H["x"] and g.o1_r1 == 0', "out_1_r0 == (unsigned long)&x && out_1_r1 == 0",
  cglob=PTRGLOB, pysetup=PTRSETUP)

# xchg / cmpxchg / atomic RMW in MP
def mp_rmw(name, wr_c, wr_py, rd_c, rd_py, cglob="static int x, y;", params="int *x, int *y"):
    T(name, f"""
{{}}
P0({params})
{{
	int r9;
	WRITE_ONCE(*x, 1);
	{wr_c}
}}
P1({params})
{{
	int r0;
	int r1;
	{rd_c}
	r1 = READ_ONCE(*x);
}}
exists (1:r0=1 /\\ 1:r1=0)
""", f"""
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    {wr_py}
def P1(g):
    {rd_py}
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", MPP, MPC, cglob=cglob)

mp_rmw("MP+xchgrelease+acq", "r9 = xchg_release(y, 1);", 'xchg_release(L(g, "y"), 1)',
       "r0 = smp_load_acquire(y);", 'r0 = smp_load_acquire(L(g, "y"))')
mp_rmw("MP+xchgacquire+acq", "r9 = xchg_acquire(y, 1);", 'xchg_acquire(L(g, "y"), 1)',
       "r0 = smp_load_acquire(y);", 'r0 = smp_load_acquire(L(g, "y"))')
mp_rmw("MP+rel+xchgacquire", "smp_store_release(y, 1);", 'smp_store_release(L(g, "y"), 1)',
       "r0 = xchg_acquire(y, 2);", 'r0 = xchg_acquire(L(g, "y"), 2)')
mp_rmw("MP+rel+xchgrelaxed", "smp_store_release(y, 1);", 'smp_store_release(L(g, "y"), 1)',
       "r0 = xchg_relaxed(y, 2);", 'r0 = xchg_relaxed(L(g, "y"), 2)')
mp_rmw("MP+rel+cmpxchgacquire", "smp_store_release(y, 1);", 'smp_store_release(L(g, "y"), 1)',
       "r0 = cmpxchg_acquire(y, 1, 2);", 'r0 = cmpxchg_acquire(L(g, "y"), 1, 2)')
mp_rmw("MP+cmpxchgrelease+acq", "r9 = cmpxchg_release(y, 0, 1);", 'cmpxchg_release(L(g, "y"), 0, 1)',
       "r0 = smp_load_acquire(y);", 'r0 = smp_load_acquire(L(g, "y"))')
mp_rmw("MP+rel+xchgrelease", "smp_store_release(y, 1);", 'smp_store_release(L(g, "y"), 1)',
       "r0 = xchg_release(y, 2);", 'r0 = xchg_release(L(g, "y"), 2)')
AG = "static int x; static atomic_t y;"
mp_rmw("MP+fetchaddrelease+readacq", "r9 = atomic_fetch_add_release(1, y);", 'atomic_fetch_add_release(1, g.a)',
       "r0 = atomic_read_acquire(y);", 'r0 = atomic_read_acquire(g.a)', cglob=AG, params="int *x, atomic_t *y")
mp_rmw("MP+setrel+increturnacquire", "atomic_set_release(y, 1);", 'atomic_set_release(g.a, 1)',
       "r0 = atomic_inc_return_acquire(y) - 1;", 'r0 = atomic_inc_return_acquire(g.a) - 1', cglob=AG, params="int *x, atomic_t *y")
mp_rmw("MP+setrel+increturnrelaxed", "atomic_set_release(y, 1);", 'atomic_set_release(g.a, 1)',
       "r0 = atomic_inc_return_relaxed(y) - 1;", 'r0 = atomic_inc_return_relaxed(g.a) - 1', cglob=AG, params="int *x, atomic_t *y")

T("MP+wmb+inc-rmb", """
{}
P0(int *x, atomic_t *y)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	atomic_set(y, 1);
}
P1(int *x, atomic_t *y)
{
	int r1;
	atomic_inc(y);
	smp_rmb();
	r1 = READ_ONCE(*x);
}
exists (y=2 /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    smp_wmb()
    atomic_set(g.a, 1)
def P1(g):
    atomic_inc(g.a)
    smp_rmb()
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r1 = r1
""", "atomic_read(g.a) == 2 and g.o1_r1 == 0", "atomic_read(&y) == 2 && out_1_r1 == 0", cglob="static int x; static atomic_t y;")

T("MP+wmb+inc-mbafter", """
{}
P0(int *x, atomic_t *y)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	atomic_set(y, 1);
}
P1(int *x, atomic_t *y)
{
	int r1;
	atomic_inc(y);
	smp_mb__after_atomic();
	r1 = READ_ONCE(*x);
}
exists (y=2 /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    smp_wmb()
    atomic_set(g.a, 1)
def P1(g):
    atomic_inc(g.a)
    smp_mb__after_atomic()
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r1 = r1
""", "atomic_read(g.a) == 2 and g.o1_r1 == 0", "atomic_read(&y) == 2 && out_1_r1 == 0", cglob="static int x; static atomic_t y;")

# ---------------------------------------------------------------- SB family
SBC = "out_0_r0 == 0 && out_1_r1 == 0"
SBP = "g.o0_r0 == 0 and g.o1_r1 == 0"
def sb(name, p0c, p0py, p1c="smp_mb();", p1py="smp_mb()", cglob="static int x, y, z;",
       params="int *x, int *y, int *z", pyinit=""):
    T(name, f"""
{{}}
P0({params})
{{
	int r0;
	int r9;
	WRITE_ONCE(*x, 1);
	{p0c}
	r0 = READ_ONCE(*y);
}}
P1({params})
{{
	int r1;
	WRITE_ONCE(*y, 1);
	{p1c}
	r1 = READ_ONCE(*x);
}}
exists (0:r0=0 /\\ 1:r1=0)
""", f"""
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    {p0py}
    r0 = READ_ONCE(L(g, "y"))
    g.o0_r0 = r0
def P1(g):
    WRITE_ONCE(L(g, "y"), 1)
    {p1py}
    r1 = READ_ONCE(L(g, "x"))
    g.o1_r1 = r1
""", SBP, SBC, cglob=cglob, pyinit=pyinit)

sb("SB+pos", "", "pass", "", "pass")
sb("SB+mbs", "smp_mb();", "smp_mb()")
sb("SB+storemb+mb", "smp_store_mb(*z, 1);", 'smp_store_mb(L(g, "z"), 1)')
sb("SB+xchg+mb", "r9 = xchg(z, 1);", 'xchg(L(g, "z"), 1)')
sb("SB+xchgrelaxed+mb", "r9 = xchg_relaxed(z, 1);", 'xchg_relaxed(L(g, "z"), 1)')
sb("SB+xchgrelaxed-afteratomic+mb", "r9 = xchg_relaxed(z, 1); smp_mb__after_atomic();",
   'xchg_relaxed(L(g, "z"), 1); smp_mb__after_atomic()')
sb("SB+xchgacquire+mb", "r9 = xchg_acquire(z, 1);", 'xchg_acquire(L(g, "z"), 1)')
sb("SB+xchgrelease+mb", "r9 = xchg_release(z, 1);", 'xchg_release(L(g, "z"), 1)')
sb("SB+cmpxchg-ok+mb", "r9 = cmpxchg(z, 0, 1);", 'cmpxchg(L(g, "z"), 0, 1)')
sb("SB+cmpxchg-fail+mb", "r9 = cmpxchg(z, 5, 1);", 'cmpxchg(L(g, "z"), 5, 1)')
sb("SB+cmpxchgrelaxed-fail-afteratomic+mb", "r9 = cmpxchg_relaxed(z, 5, 1); smp_mb__after_atomic();",
   'cmpxchg_relaxed(L(g, "z"), 5, 1); smp_mb__after_atomic()')
sb("SB+beforeatomic-cmpxchgrelaxed-fail+mb", "smp_mb__before_atomic(); r9 = cmpxchg_relaxed(z, 5, 1);",
   'smp_mb__before_atomic(); cmpxchg_relaxed(L(g, "z"), 5, 1)')
AT = "static int x, y; static atomic_t z;"
AP = "int *x, int *y, atomic_t *z"
sb("SB+increturn+mb", "r9 = atomic_inc_return(z);", 'atomic_inc_return(g.b)', cglob=AT, params=AP)
sb("SB+increturnrelaxed+mb", "r9 = atomic_inc_return_relaxed(z);", 'atomic_inc_return_relaxed(g.b)', cglob=AT, params=AP)
sb("SB+fetchaddrelaxed+mb", "r9 = atomic_fetch_add_relaxed(2, z);", 'atomic_fetch_add_relaxed(2, g.b)', cglob=AT, params=AP)
sb("SB+inc+mb", "atomic_inc(z);", 'atomic_inc(g.b)', cglob=AT, params=AP)
sb("SB+inc-afteratomic+mb", "atomic_inc(z); smp_mb__after_atomic();", 'atomic_inc(g.b); smp_mb__after_atomic()', cglob=AT, params=AP)
sb("SB+beforeatomic-inc+mb", "smp_mb__before_atomic(); atomic_inc(z);", 'smp_mb__before_atomic(); atomic_inc(g.b)', cglob=AT, params=AP)
sb("SB+afteratomic-noatomic+mb", "smp_mb__after_atomic();", 'smp_mb__after_atomic()', cglob=AT, params=AP)
sb("SB+set-afteratomic+mb", "atomic_set(z, 3); smp_mb__after_atomic();", 'atomic_set(g.b, 3); smp_mb__after_atomic()', cglob=AT, params=AP)
sb("SB+addunless-fail+mb", "r9 = atomic_add_unless(z, 1, 0);", 'atomic_add_unless(g.b, 1, 0)', cglob=AT, params=AP)
sb("SB+decandtest+mb", "r9 = atomic_dec_and_test(z);", 'atomic_dec_and_test(g.b)', cglob=AT, params=AP)
sb("SB+fetchandnotrelease+mb", "r9 = atomic_fetch_andnot_release(1, z);", 'atomic_fetch_andnot_release(1, g.b)', cglob=AT, params=AP)
sb("SB+atomiccmpxchgacquire-fail+mb", "r9 = atomic_cmpxchg_acquire(z, 5, 1);", 'atomic_cmpxchg_acquire(g.b, 5, 1)', cglob=AT, params=AP)
sb("SB+atomicxchg+mb", "r9 = atomic_xchg(z, 1);", 'atomic_xchg(g.b, 1)', cglob=AT, params=AP)
LT = "static int x, y; DEFINE_SPINLOCK(s);"
LP = "int *x, int *y, spinlock_t *s"
sb("SB+lock+mb", "spin_lock(s); spin_unlock(s);", 'spin_lock(g.s); spin_unlock(g.s)', cglob=LT, params=LP)
sb("SB+lock-afterspinlock+mb", "spin_lock(s); smp_mb__after_spinlock(); spin_unlock(s);",
   'spin_lock(g.s); smp_mb__after_spinlock(); spin_unlock(g.s)', cglob=LT, params=LP)
sb("SB+unlocklock-afterunlocklock+mb", "spin_lock(s); spin_unlock(s); spin_lock(s); smp_mb__after_unlock_lock(); spin_unlock(s);",
   'spin_lock(g.s); spin_unlock(g.s); spin_lock(g.s); smp_mb__after_unlock_lock(); spin_unlock(g.s)', cglob=LT, params=LP)
sb("SB+rcusync+mb", "synchronize_rcu();", 'synchronize_rcu()')

# ---------------------------------------------------------------- others
T("LB+pos", """
{}
P0(int *x, int *y)
{
	int r0;
	r0 = READ_ONCE(*x);
	WRITE_ONCE(*y, 1);
}
P1(int *x, int *y)
{
	int r1;
	r1 = READ_ONCE(*y);
	WRITE_ONCE(*x, 1);
}
exists (0:r0=1 /\\ 1:r1=1)
""", """
def P0(g):
    r0 = READ_ONCE(L(g, "x"))
    WRITE_ONCE(L(g, "y"), 1)
    g.o0_r0 = r0
def P1(g):
    r1 = READ_ONCE(L(g, "y"))
    WRITE_ONCE(L(g, "x"), 1)
    g.o1_r1 = r1
""", "g.o0_r0 == 1 and g.o1_r1 == 1", "out_0_r0 == 1 && out_1_r1 == 1")

T("WRC+pos", """
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r0;
	r0 = READ_ONCE(*x);
	WRITE_ONCE(*y, 1);
}
P2(int *x, int *y)
{
	int r1;
	int r2;
	r1 = READ_ONCE(*y);
	r2 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 2:r1=1 /\\ 2:r2=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
def P1(g):
    r0 = READ_ONCE(L(g, "x"))
    WRITE_ONCE(L(g, "y"), 1)
    g.o1_r0 = r0
def P2(g):
    r1 = READ_ONCE(L(g, "y"))
    r2 = READ_ONCE(L(g, "x"))
    g.o2_r1 = r1; g.o2_r2 = r2
""", "g.o1_r0 == 1 and g.o2_r1 == 1 and g.o2_r2 == 0", "out_1_r0 == 1 && out_2_r1 == 1 && out_2_r2 == 0")

T("WRC+release+acq", """
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r0;
	r0 = READ_ONCE(*x);
	smp_store_release(y, 1);
}
P2(int *x, int *y)
{
	int r1;
	int r2;
	r1 = smp_load_acquire(y);
	r2 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 2:r1=1 /\\ 2:r2=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
def P1(g):
    r0 = READ_ONCE(L(g, "x"))
    smp_store_release(L(g, "y"), 1)
    g.o1_r0 = r0
def P2(g):
    r1 = smp_load_acquire(L(g, "y"))
    r2 = READ_ONCE(L(g, "x"))
    g.o2_r1 = r1; g.o2_r2 = r2
""", "g.o1_r0 == 1 and g.o2_r1 == 1 and g.o2_r2 == 0", "out_1_r0 == 1 && out_2_r1 == 1 && out_2_r2 == 0")

T("WRC+wmb+rmb", """
{}
P0(int *x, int *y)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r0;
	r0 = READ_ONCE(*x);
	smp_wmb();
	WRITE_ONCE(*y, 1);
}
P2(int *x, int *y)
{
	int r1;
	int r2;
	r1 = READ_ONCE(*y);
	smp_rmb();
	r2 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 2:r1=1 /\\ 2:r2=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
def P1(g):
    r0 = READ_ONCE(L(g, "x"))
    smp_wmb()
    WRITE_ONCE(L(g, "y"), 1)
    g.o1_r0 = r0
def P2(g):
    r1 = READ_ONCE(L(g, "y"))
    smp_rmb()
    r2 = READ_ONCE(L(g, "x"))
    g.o2_r1 = r1; g.o2_r2 = r2
""", "g.o1_r0 == 1 and g.o2_r1 == 1 and g.o2_r2 == 0", "out_1_r0 == 1 && out_2_r1 == 1 && out_2_r2 == 0")

T("ISA2+rel+acqrel+acq-atomic", """
{}
P0(int *x, atomic_t *y, int *z)
{
	WRITE_ONCE(*x, 1);
	atomic_set_release(y, 1);
}
P1(int *x, atomic_t *y, int *z)
{
	int r0;
	r0 = atomic_read_acquire(y);
	smp_store_release(z, 1);
}
P2(int *x, atomic_t *y, int *z)
{
	int r1;
	int r2;
	r1 = smp_load_acquire(z);
	r2 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 2:r1=1 /\\ 2:r2=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    atomic_set_release(g.a, 1)
def P1(g):
    r0 = atomic_read_acquire(g.a)
    smp_store_release(L(g, "z"), 1)
    g.o1_r0 = r0
def P2(g):
    r1 = smp_load_acquire(L(g, "z"))
    r2 = READ_ONCE(L(g, "x"))
    g.o2_r1 = r1; g.o2_r2 = r2
""", "g.o1_r0 == 1 and g.o2_r1 == 1 and g.o2_r2 == 0", "out_1_r0 == 1 && out_2_r1 == 1 && out_2_r2 == 0",
  cglob="static int x, z; static atomic_t y;")

T("ISA2+rel+relaxedxchg+acq", """
{}
P0(int *x, int *y, int *z)
{
	WRITE_ONCE(*x, 1);
	smp_store_release(y, 1);
}
P1(int *x, int *y, int *z)
{
	int r0;
	r0 = xchg_relaxed(y, 2);
	smp_store_release(z, 1);
}
P2(int *x, int *y, int *z)
{
	int r1;
	int r2;
	r1 = smp_load_acquire(z);
	r2 = READ_ONCE(*x);
}
exists (1:r0=1 /\\ 2:r1=1 /\\ 2:r2=0)
""", """
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    smp_store_release(L(g, "y"), 1)
def P1(g):
    r0 = xchg_relaxed(L(g, "y"), 2)
    smp_store_release(L(g, "z"), 1)
    g.o1_r0 = r0
def P2(g):
    r1 = smp_load_acquire(L(g, "z"))
    r2 = READ_ONCE(L(g, "x"))
    g.o2_r1 = r1; g.o2_r2 = r2
""", "g.o1_r0 == 1 and g.o2_r1 == 1 and g.o2_r2 == 0", "out_1_r0 == 1 && out_2_r1 == 1 && out_2_r2 == 0")

def r_test(name, p0c, p0py):
    T(name, f"""
{{}}
P0(int *x, int *y)
{{
	WRITE_ONCE(*x, 1);
	{p0c}
	WRITE_ONCE(*y, 1);
}}
P1(int *x, int *y)
{{
	int r0;
	WRITE_ONCE(*y, 2);
	smp_mb();
	r0 = READ_ONCE(*x);
}}
exists (y=2 /\\ 1:r0=0)
""", f"""
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    {p0py}
    WRITE_ONCE(L(g, "y"), 1)
def P1(g):
    WRITE_ONCE(L(g, "y"), 2)
    smp_mb()
    r0 = READ_ONCE(L(g, "x"))
    g.o1_r0 = r0
""", 'READ_ONCE(L(g, "y")) == 2 and g.o1_r0 == 0', "READ_ONCE(y) == 2 && out_1_r0 == 0")
r_test("R+mbs", "smp_mb();", "smp_mb()")
r_test("R+wmb+mb", "smp_wmb();", "smp_wmb()")

def s_test(name, p1c, p1py, cglob="static int x, y;", ld="READ_ONCE(*y)", ldpy='READ_ONCE(L(g, "y"))'):
    T(name, f"""
{{}}
P0(int *x, int *y)
{{
	WRITE_ONCE(*x, 2);
	smp_wmb();
	WRITE_ONCE(*y, 1);
}}
P1(int *x, int *y)
{{
	int r0;
	r0 = {ld};
	{p1c}
}}
exists (x=2 /\\ 1:r0=1)
""", f"""
def P0(g):
    WRITE_ONCE(L(g, "x"), 2)
    smp_wmb()
    WRITE_ONCE(L(g, "y"), 1)
def P1(g):
    r0 = {ldpy}
{p1py}
    g.o1_r0 = r0
""", 'READ_ONCE(L(g, "x")) == 2 and g.o1_r0 == 1', "READ_ONCE(x) == 2 && out_1_r0 == 1", cglob=cglob)
s_test("S+wmb+po", "WRITE_ONCE(*x, 1);", '    WRITE_ONCE(L(g, "x"), 1)')
s_test("S+wmb+data", "WRITE_ONCE(*x, r0);", '    WRITE_ONCE(L(g, "x"), r0)')
s_test("S+wmb+ctrl", "if (r0) WRITE_ONCE(*x, 1);", '    if r0:\n        WRITE_ONCE(L(g, "x"), 1)')
s_test("S+wmb+acq", "WRITE_ONCE(*x, 1);", '    WRITE_ONCE(L(g, "x"), 1)', ld="smp_load_acquire(y)", ldpy='smp_load_acquire(L(g, "y"))')

def w22(name, c0, py0):
    T(name, f"""
{{}}
P0(int *x, int *y)
{{
	WRITE_ONCE(*x, 1);
	{c0}
	WRITE_ONCE(*y, 2);
}}
P1(int *x, int *y)
{{
	WRITE_ONCE(*y, 1);
	{c0}
	WRITE_ONCE(*x, 2);
}}
exists (x=1 /\\ y=1)
""", f"""
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
    {py0}
    WRITE_ONCE(L(g, "y"), 2)
def P1(g):
    WRITE_ONCE(L(g, "y"), 1)
    {py0}
    WRITE_ONCE(L(g, "x"), 2)
""", 'READ_ONCE(L(g, "x")) == 1 and READ_ONCE(L(g, "y")) == 1', "READ_ONCE(x) == 1 && READ_ONCE(y) == 1")
w22("2+2W+pos", "", "pass")
w22("2+2W+wmbs", "smp_wmb();", "smp_wmb()")

def iriw(name, rc, rpy, ld="READ_ONCE(*{v})", ldpy='READ_ONCE(L(g, "{v}"))'):
    T(name, f"""
{{}}
P0(int *x, int *y)
{{
	WRITE_ONCE(*x, 1);
}}
P1(int *x, int *y)
{{
	int r0;
	int r1;
	r0 = {ld.format(v="x")};
	{rc}
	r1 = READ_ONCE(*y);
}}
P2(int *x, int *y)
{{
	WRITE_ONCE(*y, 1);
}}
P3(int *x, int *y)
{{
	int r2;
	int r3;
	r2 = {ld.format(v="y")};
	{rc}
	r3 = READ_ONCE(*x);
}}
exists (1:r0=1 /\\ 1:r1=0 /\\ 3:r2=1 /\\ 3:r3=0)
""", f"""
def P0(g):
    WRITE_ONCE(L(g, "x"), 1)
def P1(g):
    r0 = {ldpy.format(v="x")}
    {rpy}
    r1 = READ_ONCE(L(g, "y"))
    g.o1_r0 = r0; g.o1_r1 = r1
def P2(g):
    WRITE_ONCE(L(g, "y"), 1)
def P3(g):
    r2 = {ldpy.format(v="y")}
    {rpy}
    r3 = READ_ONCE(L(g, "x"))
    g.o3_r2 = r2; g.o3_r3 = r3
""", "g.o1_r0 == 1 and g.o1_r1 == 0 and g.o3_r2 == 1 and g.o3_r3 == 0",
      "out_1_r0 == 1 && out_1_r1 == 0 && out_3_r2 == 1 && out_3_r3 == 0")
iriw("IRIW+mbs", "smp_mb();", "smp_mb()")
iriw("IRIW+acqs", "", "pass", ld="smp_load_acquire({v})", ldpy='smp_load_acquire(L(g, "{v}"))')

def rcu(name, c1, py1, c0a="rcu_read_lock();", c0b="rcu_read_unlock();", py0a="rcu_read_lock()", py0b="rcu_read_unlock()",
        cglob="static int x, y;", params="int *x, int *y"):
    T(name, f"""
{{}}
P0({params})
{{
	int r0;
	int r1;
	{c0a}
	r0 = READ_ONCE(*x);
	r1 = READ_ONCE(*y);
	{c0b}
}}
P1({params})
{{
	WRITE_ONCE(*y, 1);
	{c1}
	WRITE_ONCE(*x, 1);
}}
exists (0:r0=1 /\\ 0:r1=0)
""", f"""
def P0(g):
    {py0a}
    r0 = READ_ONCE(L(g, "x"))
    r1 = READ_ONCE(L(g, "y"))
    {py0b}
    g.o0_r0 = r0; g.o0_r1 = r1
def P1(g):
    WRITE_ONCE(L(g, "y"), 1)
    {py1}
    WRITE_ONCE(L(g, "x"), 1)
""", "g.o0_r0 == 1 and g.o0_r1 == 0", "out_0_r0 == 1 && out_0_r1 == 0", cglob=cglob)
rcu("RCU+sync", "synchronize_rcu();", "synchronize_rcu()")
rcu("RCU+mb", "smp_mb();", "smp_mb()")
SG = "static int x, y; DEFINE_SRCU(s); DEFINE_SRCU(s2);"
SP = "int *x, int *y, struct srcu_struct *s, struct srcu_struct *s2"
rcu("SRCU+sync", "synchronize_srcu(s);", "synchronize_srcu(g.ss)", "int r9 = srcu_read_lock(s);", "srcu_read_unlock(s, r9);",
    "r9 = srcu_read_lock(g.ss)", "srcu_read_unlock(g.ss, r9)", cglob=SG, params=SP)
rcu("SRCU+sync-otherstruct", "synchronize_srcu(s2);", "synchronize_srcu(g.ss2)", "int r9 = srcu_read_lock(s);", "srcu_read_unlock(s, r9);",
    "r9 = srcu_read_lock(g.ss)", "srcu_read_unlock(g.ss, r9)", cglob=SG, params=SP)
rcu("SRCU-reader+rcusync", "synchronize_rcu();", "synchronize_rcu()", "int r9 = srcu_read_lock(s);", "srcu_read_unlock(s, r9);",
    "r9 = srcu_read_lock(g.ss)", "srcu_read_unlock(g.ss, r9)", cglob=SG, params=SP)

T("RCU-deferred-free", """
{
int *p = &x;
}
P0(int *x, int *y, int **p)
{
	int *r0;
	int r1;
	rcu_read_lock();
	r0 = rcu_dereference(*p);
	r1 = READ_ONCE(*r0);
	rcu_read_unlock();
}
P1(int *x, int *y, int **p)
{
	rcu_assign_pointer(*p, y);
	synchronize_rcu();
	WRITE_ONCE(*x, 2);
}
exists (0:r0=x /\\ 0:r1=2)
""", """
def P0(g):
    rcu_read_lock()
    r0 = rcu_dereference(L(g, "p"))
    r1 = READ_ONCE(L(r0, "v"))
    rcu_read_unlock()
    g.o0_r0 = r0; g.o0_r1 = r1
def P1(g):
    rcu_assign_pointer(L(g, "p"), H["y"])
    synchronize_rcu()
    WRITE_ONCE(L(H["x"], "v"), 2)
""", 'g.o0_r0 == H["x"] and g.o0_r1 == 2', "out_0_r0 == (unsigned long)&x && out_0_r1 == 2",
  cglob="static int x, y;\nstatic int *p = &x;", pysetup='    H["x"] = Cell(); H["y"] = Cell(); g.p = H["x"]\n')

def locks(name, c0, c1, py0, py1, cond_c, cond_py, cglob="static int x, y; DEFINE_SPINLOCK(s);"):
    T(name, f"""
{{}}
P0(int *x, int *y, spinlock_t *s)
{{
{c0}
}}
P1(int *x, int *y, spinlock_t *s)
{{
{c1}
}}
""" + cond_c[0], py0 + py1, cond_py, cond_c[1], cglob=cglob)
locks("MP+locks", "\tspin_lock(s);\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n\tspin_unlock(s);",
      "\tint r0;\n\tint r1;\n\tspin_lock(s);\n\tr0 = READ_ONCE(*y);\n\tr1 = READ_ONCE(*x);\n\tspin_unlock(s);",
      '\ndef P0(g):\n    spin_lock(g.s)\n    WRITE_ONCE(L(g, "x"), 1)\n    WRITE_ONCE(L(g, "y"), 1)\n    spin_unlock(g.s)\n',
      '\ndef P1(g):\n    spin_lock(g.s)\n    r0 = READ_ONCE(L(g, "y"))\n    r1 = READ_ONCE(L(g, "x"))\n    spin_unlock(g.s)\n    g.o1_r0 = r0; g.o1_r1 = r1\n',
      ("exists (1:r0=1 /\\ 1:r1=0)", MPC), MPP)
locks("MP+lock-unlock+lock-outside", "\tWRITE_ONCE(*x, 1);\n\tspin_lock(s);\n\tspin_unlock(s);\n\tWRITE_ONCE(*y, 1);",
      "\tint r0;\n\tint r1;\n\tr0 = READ_ONCE(*y);\n\tspin_lock(s);\n\tspin_unlock(s);\n\tr1 = READ_ONCE(*x);",
      '\ndef P0(g):\n    WRITE_ONCE(L(g, "x"), 1)\n    spin_lock(g.s)\n    spin_unlock(g.s)\n    WRITE_ONCE(L(g, "y"), 1)\n',
      '\ndef P1(g):\n    r0 = READ_ONCE(L(g, "y"))\n    spin_lock(g.s)\n    spin_unlock(g.s)\n    r1 = READ_ONCE(L(g, "x"))\n    g.o1_r0 = r0; g.o1_r1 = r1\n',
      ("exists (1:r0=1 /\\ 1:r1=0)", MPC), MPP)
# spin_is_locked: the kernel's MP+polockonce+poacquiresilsil shape, but P0 unlocks after
locks("MP+lockonce-unlock+acq-sil", "\tspin_lock(s);\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n\tspin_unlock(s);",
      "\tint r0;\n\tint r1;\n\tint r2;\n\tr0 = smp_load_acquire(x);\n\tr1 = spin_is_locked(s);\n\tr2 = READ_ONCE(*y);",
      '\ndef P0(g):\n    spin_lock(g.s)\n    WRITE_ONCE(L(g, "x"), 1)\n    WRITE_ONCE(L(g, "y"), 1)\n    spin_unlock(g.s)\n',
      '\ndef P1(g):\n    r0 = smp_load_acquire(L(g, "x"))\n    r1 = int(spin_is_locked(g.s))\n    r2 = READ_ONCE(L(g, "y"))\n    g.o1_r0 = r0; g.o1_r1 = r1; g.o1_r2 = r2\n',
      ("exists (1:r0=1 /\\ 1:r1=0 /\\ 1:r2=0)", "out_1_r0 == 1 && out_1_r1 == 0 && out_1_r2 == 0"),
      "g.o1_r0 == 1 and g.o1_r1 == 0 and g.o1_r2 == 0")
locks("MP+lockonce-unlock+once-sil", "\tspin_lock(s);\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n\tspin_unlock(s);",
      "\tint r0;\n\tint r1;\n\tint r2;\n\tr0 = READ_ONCE(*x);\n\tr1 = spin_is_locked(s);\n\tr2 = READ_ONCE(*y);",
      '\ndef P0(g):\n    spin_lock(g.s)\n    WRITE_ONCE(L(g, "x"), 1)\n    WRITE_ONCE(L(g, "y"), 1)\n    spin_unlock(g.s)\n',
      '\ndef P1(g):\n    r0 = READ_ONCE(L(g, "x"))\n    r1 = int(spin_is_locked(g.s))\n    r2 = READ_ONCE(L(g, "y"))\n    g.o1_r0 = r0; g.o1_r1 = r1; g.o1_r2 = r2\n',
      ("exists (1:r0=1 /\\ 1:r1=0 /\\ 1:r2=0)", "out_1_r0 == 1 && out_1_r1 == 0 && out_1_r2 == 0"),
      "g.o1_r0 == 1 and g.o1_r1 == 0 and g.o1_r2 == 0")
locks("MP+trylock", "\tWRITE_ONCE(*x, 1);\n\tspin_lock(s);\n\tWRITE_ONCE(*y, 1);\n\tspin_unlock(s);",
      "\tint r0 = 0;\n\tint r1 = 0;\n\tint r2;\n\tr2 = spin_trylock(s);\n\tif (r2) {\n\t\tr0 = READ_ONCE(*y);\n\t\tspin_unlock(s);\n\t}\n\tr1 = READ_ONCE(*x);",
      '\ndef P0(g):\n    WRITE_ONCE(L(g, "x"), 1)\n    spin_lock(g.s)\n    WRITE_ONCE(L(g, "y"), 1)\n    spin_unlock(g.s)\n',
      '\ndef P1(g):\n    r0 = 0\n    r2 = spin_trylock(g.s)\n    if r2:\n        r0 = READ_ONCE(L(g, "y"))\n        spin_unlock(g.s)\n    r1 = READ_ONCE(L(g, "x"))\n    g.o1_r0 = r0; g.o1_r1 = r1\n',
      ("exists (1:r0=1 /\\ 1:r1=0)", MPC), MPP)

sb("SB+addunless-ok+mb", "r9 = atomic_add_unless(z, 1, 0);", 'atomic_add_unless(g.b, 1, 0)',
   cglob="static int x, y; static atomic_t z = ATOMIC_INIT(1);", params=AP, pyinit="b=1")
TESTS[-1]["lit"] = TESTS[-1]["lit"].replace("{}", "{\nz=1;\n}", 1)
sb("SB+trylock-afterspinlock+mb", "r9 = spin_trylock(s); smp_mb__after_spinlock(); if (r9) spin_unlock(s);",
   'r9 = spin_trylock(g.s); smp_mb__after_spinlock()\n    if r9: spin_unlock(g.s)', cglob=LT, params=LP)
LT2 = "static int x, y; DEFINE_SPINLOCK(s); DEFINE_SPINLOCK(t);"
LP2 = "int *x, int *y, spinlock_t *s, spinlock_t *t"
sb("SB+unlock-s-lock-t-afterunlocklock+mb", "spin_lock(s); spin_unlock(s); spin_lock(t); smp_mb__after_unlock_lock(); spin_unlock(t);",
   'spin_lock(g.s); spin_unlock(g.s); spin_lock(g.t); smp_mb__after_unlock_lock(); spin_unlock(g.t)', cglob=LT2, params=LP2)
rcu("SRCU-downread+sync", "synchronize_srcu(s);", "synchronize_srcu(g.ss)", "int r9 = srcu_down_read(s);", "srcu_up_read(s, r9);",
    "r9 = srcu_down_read(g.ss)", "srcu_up_read(g.ss, r9)", cglob=SG, params=SP)
# Python-only suspicion: a pointer read makes later accesses to the same object addr-dependent
T("MP+wmb+ptrcompare-noaddr", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	int r1;
	int r2;
	r0 = READ_ONCE(*p);
	r2 = READ_ONCE(*x);
	r1 = READ_ONCE(*x);
}
exists (1:r0=x /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 1)
    smp_wmb()
    WRITE_ONCE(L(g, "p"), H["x"])
def P1(g):
    r0 = READ_ONCE(L(g, "p"))
    r2 = READ_ONCE(L(H["x"], "v"))
    r1 = READ_ONCE(L(H["x"], "v"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", 'g.o1_r0 == H["x"] and g.o1_r1 == 0', "out_1_r0 == (unsigned long)&x && out_1_r1 == 0",
  cglob=PTRGLOB, pysetup=PTRSETUP)
T("MP+wmb+ctrl-ptrcompare", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 1);
	smp_wmb();
	WRITE_ONCE(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	int r1 = 0;
	r0 = READ_ONCE(*p);
	if (r0 == x)
		r1 = READ_ONCE(*x);
}
exists (1:r0=x /\\ 1:r1=0)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 1)
    smp_wmb()
    WRITE_ONCE(L(g, "p"), H["x"])
def P1(g):
    r1 = 0
    r0 = READ_ONCE(L(g, "p"))
    if r0 == H["x"]:
        r1 = READ_ONCE(L(H["x"], "v"))
    g.o1_r0 = r0; g.o1_r1 = r1
""", 'g.o1_r0 == H["x"] and g.o1_r1 == 0', "out_1_r0 == (unsigned long)&x && out_1_r1 == 0",
  cglob=PTRGLOB, pysetup=PTRSETUP)
T("S+wmb+po-sameobj", """
{
int *p = &y;
}
P0(int *x, int **p)
{
	WRITE_ONCE(*x, 2);
	smp_wmb();
	WRITE_ONCE(*p, x);
}
P1(int *x, int **p)
{
	int *r0;
	r0 = READ_ONCE(*p);
	WRITE_ONCE(*x, 1);
}
exists (x=2 /\\ 1:r0=x)
""", """
def P0(g):
    WRITE_ONCE(L(H["x"], "v"), 2)
    smp_wmb()
    WRITE_ONCE(L(g, "p"), H["x"])
def P1(g):
    r0 = READ_ONCE(L(g, "p"))
    WRITE_ONCE(L(H["x"], "v"), 1)
    g.o1_r0 = r0
""", 'READ_ONCE(L(H["x"], "v")) == 2 and g.o1_r0 == H["x"]', "READ_ONCE(x) == 2 && out_1_r0 == (unsigned long)&x",
  cglob=PTRGLOB, pysetup=PTRSETUP)


# herd7's verdict on each litmus test
HERD = {
    '2+2W+pos': 'Sometimes',
    '2+2W+wmbs': 'Sometimes',
    'IRIW+acqs': 'Sometimes',
    'IRIW+mbs': 'Never',
    'ISA2+rel+acqrel+acq-atomic': 'Never',
    'ISA2+rel+relaxedxchg+acq': 'Never',
    'LB+pos': 'Sometimes',
    'MP+atomic-setrel+readacq': 'Never',
    'MP+cmpxchgrelease+acq': 'Never',
    'MP+fetchaddrelease+readacq': 'Never',
    'MP+lock-unlock+lock-outside': 'Never',
    'MP+lockonce-unlock+acq-sil': 'Sometimes',
    'MP+lockonce-unlock+once-sil': 'Sometimes',
    'MP+locks': 'Never',
    'MP+onceassign-nobarrier+rcuderef': 'Sometimes',
    'MP+pos': 'Sometimes',
    'MP+rcuassign+rcuderef': 'Never',
    'MP+rel+cmpxchgacquire': 'Never',
    'MP+rel+xchgacquire': 'Never',
    'MP+rel+xchgrelaxed': 'Sometimes',
    'MP+rel+xchgrelease': 'Sometimes',
    'MP+setrel+increturnacquire': 'Never',
    'MP+setrel+increturnrelaxed': 'Sometimes',
    'MP+trylock': 'Never',
    'MP+wmb+addr': 'Never',
    'MP+wmb+ctrl': 'Sometimes',
    'MP+wmb+ctrl-ptrcompare': 'Sometimes',
    'MP+wmb+inc-mbafter': 'Never',
    'MP+wmb+inc-rmb': 'Sometimes',
    'MP+wmb+po-noaddr': 'Sometimes',
    'MP+wmb+ptrcompare-noaddr': 'Sometimes',
    'MP+wmb+rmb': 'Never',
    'MP+xchgacquire+acq': 'Sometimes',
    'MP+xchgrelease+acq': 'Never',
    'R+mbs': 'Never',
    'R+wmb+mb': 'Sometimes',
    'RCU+mb': 'Sometimes',
    'RCU+sync': 'Never',
    'RCU-deferred-free': 'Never',
    'S+wmb+acq': 'Never',
    'S+wmb+ctrl': 'Never',
    'S+wmb+data': 'Never',
    'S+wmb+po': 'Sometimes',
    'S+wmb+po-sameobj': 'Sometimes',
    'SB+addunless-fail+mb': 'Sometimes',
    'SB+addunless-ok+mb': 'Never',
    'SB+afteratomic-noatomic+mb': 'Sometimes',
    'SB+atomiccmpxchgacquire-fail+mb': 'Sometimes',
    'SB+atomicxchg+mb': 'Never',
    'SB+beforeatomic-cmpxchgrelaxed-fail+mb': 'Never',
    'SB+beforeatomic-inc+mb': 'Never',
    'SB+cmpxchg-fail+mb': 'Sometimes',
    'SB+cmpxchg-ok+mb': 'Never',
    'SB+cmpxchgrelaxed-fail-afteratomic+mb': 'Never',
    'SB+decandtest+mb': 'Never',
    'SB+fetchaddrelaxed+mb': 'Sometimes',
    'SB+fetchandnotrelease+mb': 'Sometimes',
    'SB+inc+mb': 'Sometimes',
    'SB+inc-afteratomic+mb': 'Never',
    'SB+increturn+mb': 'Never',
    'SB+increturnrelaxed+mb': 'Sometimes',
    'SB+lock+mb': 'Sometimes',
    'SB+lock-afterspinlock+mb': 'Never',
    'SB+mbs': 'Never',
    'SB+pos': 'Sometimes',
    'SB+rcusync+mb': 'Never',
    'SB+set-afteratomic+mb': 'Sometimes',
    'SB+storemb+mb': 'Never',
    'SB+trylock-afterspinlock+mb': 'Never',
    'SB+unlock-s-lock-t-afterunlocklock+mb': 'Never',
    'SB+unlocklock-afterunlocklock+mb': 'Never',
    'SB+xchg+mb': 'Never',
    'SB+xchgacquire+mb': 'Sometimes',
    'SB+xchgrelaxed+mb': 'Sometimes',
    'SB+xchgrelaxed-afteratomic+mb': 'Never',
    'SB+xchgrelease+mb': 'Sometimes',
    'SRCU+sync': 'Never',
    'SRCU+sync-otherstruct': 'Sometimes',
    'SRCU-downread+sync': 'Never',
    'SRCU-reader+rcusync': 'Sometimes',
    'WRC+pos': 'Sometimes',
    'WRC+release+acq': 'Never',
    'WRC+wmb+rmb': 'Sometimes',
}
