/* npaccel's per-call path in C: one CPython extension shared by every accelerated function.
 *
 * A Dispatcher belongs to one accelerated function; it holds one Plan per compiled CPU
 * specialisation. A plan is a short program for a tiny stack machine, made in Python once
 * per specialisation (npaccel/runtime/call_plan.py): it matches the arguments against the
 * specialisation's signature, evaluates the run-time checks and the output shapes, packs
 * the ints and doubles the kernel reads (codegen/c_source.py ArgLayout), calls the kernel
 * and builds the return value, exactly as the generated Python caller
 * (npaccel/runtime/marshal.py build_caller) does.
 *
 * Only the common case runs here. Anything else (another signature, a failed check, an
 * argument that must be written but is read-only, overlapping memory, a conversion that
 * fails, ...) returns the MISS sentinel before anything is written or allocated for the
 * caller, and the Python path handles the call exactly as it always did. A kernel that
 * returns an error code hands it, with the arguments, to the plan's Python ``on_error``
 * (marshal.py's handling: rerun the plain function or raise), so no write runs twice.
 *
 * Built at first use by npaccel/runtime/dispatch_ext.py against this Python and NumPy.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <stdint.h>
#include <string.h>

#ifndef NPY_2_0_API_VERSION      /* NumPy 1.x headers */
#define PyDataType_ELSIZE(descr) ((descr)->elsize)
#endif

typedef int (*npa_entry)(const int64_t *, const double *);

/* The instruction set; Python reads the names (OPCODES) to number its programs. */
#define NPA_OPS(X) \
    X(MATCH_ARRAY)   /* p type_num ndim ones_bits contiguous last */ \
    X(MATCH_TYPE)    /* p obj: type(args[p]) is objs[obj] */ \
    X(MATCH_INT64)   /* p: the int args[p] fits int64 */ \
    X(PUSH_CONST)    /* c */ \
    X(PUSH_DIM)      /* p d: args[p].shape[d] */ \
    X(PUSH_INDEX)    /* p: operator.index(args[p]) */ \
    X(ADD) X(SUB) X(MUL) X(FLOORDIV) X(MAX) X(MIN) \
    X(BCAST)         /* pops b, a: a == 1 ? b : a (ir/dims.py dim_bcast) */ \
    X(SLICE)         /* part has_start has_stop: pops n, step, [stop], [start]; pushes \
                        len(range(n)[start:stop:step]) (part 0) or its start (part 1) */ \
    X(CHECK)         /* cmp (0 == 1 != 2 < 3 <= 4 > 5 >=): pops b, a; else MISS */ \
    X(CHECK_RANGE)   /* p lo hi: lo <= operator.index(args[p]) <= hi; else MISS */ \
    X(CHECK_BCAST)   /* into: pops b, a: a == b or a == 1 (or, into 0, b == 1); else MISS */ \
    X(WRITEABLE)     /* p */ \
    X(DISJOINT)      /* p q: the memory bounds of args[p] and args[q] do not meet */ \
    X(ALLOC)         /* o ndim descr_obj: pops ndim dims */ \
    X(PACK_NT)       /* the thread count: the Python caller's global _nt */ \
    X(PACK_ARRAY)    /* p ndim itemsize: data, dims, strides in elements */ \
    X(PACK_OUT)      /* o */ \
    X(PACK_INT)      /* p: int(args[p]) */ \
    X(PACK_U64)      /* p: args[p] as uint64, its bits as int64 */ \
    X(PACK_FLOAT)    /* p: float(args[p]) */ \
    X(PACK_COMPLEX)  /* p: real, imaginary */ \
    X(CALL) \
    X(RES_OUT)       /* o mode (0 the array, 1 arr[()], 2 arr[()].item()) */ \
    X(RES_ARG)       /* p */ \
    X(RES_CONST)     /* obj copy */ \
    X(RES_INT)       /* pops one */ \
    X(RET_NONE) X(RET_SINGLE) X(RET_TUPLE)

#define NPA_ENUM(name) OP_##name,
#define NPA_NAME(name) #name,
enum { NPA_OPS(NPA_ENUM) OP_COUNT };
static const char *op_names[] = { NPA_OPS(NPA_NAME) };

#define MAX_INTS 1024
#define MAX_FLOATS 256
#define MAX_OUTS 32
#define MAX_RESULTS 32
#define STACK 64

/* objs[] slots every plan has */
enum { OBJ_ENTRY = 0, OBJ_GLOBALS, OBJ_ON_ERROR, OBJ_EMPTY_BIG, OBJ_FIRST_FREE };

static PyObject *MISS;          /* the sentinel, set by init() */
static PyObject *NT_NAME;       /* "_nt" */

/* ---- Plan: one specialisation's program --------------------------------------------- */

typedef struct {
    PyObject_HEAD
    npa_entry entry;
    int64_t *code;
    Py_ssize_t ncode;
    int64_t nparams;
    int64_t min_pooled;        /* outputs of this many bytes or more: objs[OBJ_EMPTY_BIG] */
    PyObject *objs;            /* tuple */
} Plan;

/* objs reaches the Python caller's globals, hence the accelerated function, which holds
 * the dispatcher holding this plan: a cycle the garbage collector must see. */
static int Plan_traverse(Plan *self, visitproc visit, void *arg) {
    Py_VISIT(self->objs);
    return 0;
}

static int Plan_clear(Plan *self) {
    Py_CLEAR(self->objs);
    return 0;
}

static void Plan_dealloc(Plan *self) {
    PyObject_GC_UnTrack(self);
    Plan_clear(self);
    PyMem_Free(self->code);
    PyObject_GC_Del(self);
}

static PyTypeObject PlanType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "npaccel._dispatch.Plan",
    .tp_basicsize = sizeof(Plan),
    .tp_dealloc = (destructor)Plan_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Plan_traverse,
    .tp_clear = (inquiry)Plan_clear,
    .tp_doc = "One compiled specialisation's call program.",
};

/* ---- helpers ------------------------------------------------------------------------- */

static inline int64_t floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q -= 1;
    return q;
}

/* Python's range(n)[start:stop:step] (PySlice_AdjustIndices; runtime_c/npaccel.h
 * npa_slice_bound): the start (part 1) or the length (part 0); has_* 0 is an omitted
 * bound. -1 where Python would raise (step 0) or int64 cannot hold the steps. */
static int slice_of(int64_t part, int64_t start, int64_t has_start, int64_t stop, int64_t has_stop,
                    int64_t step, int64_t n, int64_t *out) {
    if (step == 0 || step == INT64_MIN)
        return -1;
    if (n < 0)                                /* range(n) with n < 0 is empty */
        n = 0;
    int64_t bound[2] = {start, stop}, has[2] = {has_start, has_stop};
    for (int k = 0; k < 2; k++) {
        int64_t v = bound[k];
        if (!has[k]) v = step < 0 ? (k ? -1 : n - 1) : (k ? n : 0);
        else if (v < 0) { v += n; if (v < 0) v = step < 0 ? -1 : 0; }
        else if (v >= n) v = step < 0 ? n - 1 : n;
        bound[k] = v;
    }
    int64_t a = bound[0], b = bound[1];
    if (part == 1)
        *out = a;
    else if (step < 0)
        *out = b < a ? (a - b - 1) / (-step) + 1 : 0;
    else
        *out = a < b ? (b - a - 1) / step + 1 : 0;
    return 0;
}

/* operator.index(obj) as int64; 0 on success, -1 (no exception set) otherwise */
static int index_of(PyObject *obj, int64_t *out) {
    int overflow = 0;
    long long v;
    if (PyLong_CheckExact(obj)) {
        v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    } else {
        PyObject *i = PyNumber_Index(obj);
        if (i == NULL) { PyErr_Clear(); return -1; }
        v = PyLong_AsLongLongAndOverflow(i, &overflow);
        Py_DECREF(i);
    }
    if (overflow || (v == -1 && PyErr_Occurred())) { PyErr_Clear(); return -1; }
    *out = (int64_t)v;
    return 0;
}

/* int(obj) as int64; 0 on success, -1 (no exception set) otherwise */
static int int_of(PyObject *obj, int64_t *out) {
    int overflow = 0;
    long long v;
    if (PyLong_Check(obj)) {                  /* int and bool */
        v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    } else {
        PyObject *i = PyNumber_Long(obj);
        if (i == NULL) { PyErr_Clear(); return -1; }
        v = PyLong_AsLongLongAndOverflow(i, &overflow);
        Py_DECREF(i);
    }
    if (overflow || (v == -1 && PyErr_Occurred())) { PyErr_Clear(); return -1; }
    *out = (int64_t)v;
    return 0;
}

/* [lo, hi) bytes an array's elements may touch (an empty array: its first element's) */
static void bounds_of(PyArrayObject *a, char **lo, char **hi) {
    char *l = PyArray_BYTES(a), *h = l;
    int nd = PyArray_NDIM(a);
    npy_intp *shape = PyArray_DIMS(a), *strides = PyArray_STRIDES(a);
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 0)
            continue;
        npy_intp span = strides[d] * (shape[d] - 1);
        if (span < 0) l += span; else h += span;
    }
    *lo = l;
    *hi = h + PyArray_ITEMSIZE(a);
}

static int matches_array(PyObject *obj, const int64_t *c) {
    /* c: type_num ndim ones_bits contiguous last */
    if (!PyArray_CheckExact(obj))
        return 0;
    PyArrayObject *a = (PyArrayObject *)obj;
    PyArray_Descr *descr = PyArray_DESCR(a);
    int nd = PyArray_NDIM(a);
    if (descr->type_num != c[0] || nd != c[1] || !PyArray_ISNBO(descr->byteorder) || !PyArray_ISALIGNED(a))
        return 0;
    int contiguous = PyArray_IS_C_CONTIGUOUS(a) ? 1 : 0;
    if (contiguous != c[3])
        return 0;
    npy_intp *shape = PyArray_DIMS(a), item = PyArray_ITEMSIZE(a);
    uint64_t ones = 0;
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 1)
            ones |= (uint64_t)1 << d;
        if (!contiguous && PyArray_STRIDES(a)[d] % item)
            return 0;
    }
    if (ones != (uint64_t)c[2])
        return 0;
    int64_t last = (nd >= 2 && shape[nd - 1] >= 2 && shape[nd - 1] <= 4) ? shape[nd - 1] : 0;
    return last == c[4];
}

static PyObject *new_output(Plan *plan, const int64_t *dims, int nd, PyArray_Descr *descr) {
    npy_intp shape[NPY_MAXDIMS];
    int64_t nbytes = PyDataType_ELSIZE(descr);
    for (int d = 0; d < nd; d++) {
        if (dims[d] < 0 || __builtin_mul_overflow(nbytes, dims[d], &nbytes))
            return NULL;
        shape[d] = (npy_intp)dims[d];
    }
    if (nbytes >= plan->min_pooled) {         /* runtime/outputs.py recycles large blocks */
        PyObject *t = PyTuple_New(nd);
        if (t == NULL) return NULL;
        for (int d = 0; d < nd; d++)
            PyTuple_SET_ITEM(t, d, PyLong_FromLongLong(dims[d]));
        PyObject *r = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(plan->objs, OBJ_EMPTY_BIG), t,
                                                   (PyObject *)descr, NULL);
        Py_DECREF(t);
        return r;
    }
    Py_INCREF(descr);                         /* PyArray_Empty steals it */
    return PyArray_Empty(nd, shape, descr, 0);
}

/* ---- running one plan ------------------------------------------------------------------- */

#define MISSED() do { goto miss; } while (0)
#define POP() (stack[--sp])
#define PUSH(v) do { if (sp == STACK) MISSED(); stack[sp++] = (v); } while (0)

/* The result, MISS (new references), or NULL with an exception (after the kernel ran). */
static PyObject *run_plan(Plan *plan, PyObject *const *args, unsigned long long *hits) {
    int64_t stack[STACK];
    int sp = 0;
    int64_t ints[MAX_INTS];
    double floats[MAX_FLOATS];
    PyObject *outs[MAX_OUTS];          /* [0, nouts) are set */
    PyObject *results[MAX_RESULTS];
    int nresults = 0, nouts = 0, ni = 0, nf = 0;
    PyObject *ret = NULL;
    const int64_t *pc = plan->code, *end = plan->code + plan->ncode;
    PyObject *objs = plan->objs;
    floats[0] = 0.0;
    if (objs == NULL)                   /* cleared by the garbage collector */
        goto miss;

    while (pc < end) {
        switch (*pc++) {
        case OP_MATCH_ARRAY:
            if (!matches_array(args[pc[0]], pc + 1)) MISSED();
            pc += 6;
            break;
        case OP_MATCH_TYPE:
            if ((PyObject *)Py_TYPE(args[pc[0]]) != PyTuple_GET_ITEM(objs, pc[1])) MISSED();
            pc += 2;
            break;
        case OP_MATCH_INT64: {
            int overflow = 0;
            long long v = PyLong_AsLongLongAndOverflow(args[pc[0]], &overflow);
            if (overflow || (v == -1 && PyErr_Occurred())) { PyErr_Clear(); MISSED(); }
            pc += 1;
            break;
        }
        case OP_PUSH_CONST: PUSH(pc[0]); pc += 1; break;
        case OP_PUSH_DIM: PUSH(PyArray_DIMS((PyArrayObject *)args[pc[0]])[pc[1]]); pc += 2; break;
        case OP_PUSH_INDEX: {
            int64_t v;
            if (index_of(args[pc[0]], &v)) MISSED();
            PUSH(v);
            pc += 1;
            break;
        }
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_FLOORDIV: case OP_MAX: case OP_MIN: {
            int64_t b = POP(), a = POP(), r;
            switch (pc[-1]) {
            case OP_ADD: if (__builtin_add_overflow(a, b, &r)) MISSED(); break;
            case OP_SUB: if (__builtin_sub_overflow(a, b, &r)) MISSED(); break;
            case OP_MUL: if (__builtin_mul_overflow(a, b, &r)) MISSED(); break;
            case OP_FLOORDIV: if (b == 0 || (a == INT64_MIN && b == -1)) MISSED(); r = floordiv(a, b); break;
            case OP_MAX: r = a > b ? a : b; break;
            default: r = a < b ? a : b; break;
            }
            stack[sp++] = r;
            break;
        }
        case OP_BCAST: {
            int64_t b = POP(), a = POP();
            stack[sp++] = a == 1 ? b : a;
            break;
        }
        case OP_SLICE: {
            int64_t n = POP(), step = POP(), stop = pc[2] ? POP() : 0, start = pc[1] ? POP() : 0, r;
            if (slice_of(pc[0], start, pc[1], stop, pc[2], step, n, &r)) MISSED();
            stack[sp++] = r;
            pc += 3;
            break;
        }
        case OP_CHECK_BCAST: {
            int64_t b = POP(), a = POP();
            if (!(a == b || a == 1 || (!pc[0] && b == 1))) MISSED();
            pc += 1;
            break;
        }
        case OP_CHECK: {
            int64_t b = POP(), a = POP();
            int ok;
            switch (pc[0]) {
            case 0: ok = a == b; break;
            case 1: ok = a != b; break;
            case 2: ok = a < b; break;
            case 3: ok = a <= b; break;
            case 4: ok = a > b; break;
            default: ok = a >= b; break;
            }
            if (!ok) MISSED();
            pc += 1;
            break;
        }
        case OP_CHECK_RANGE: {
            int64_t v;
            if (index_of(args[pc[0]], &v) || v < pc[1] || v > pc[2]) MISSED();
            pc += 3;
            break;
        }
        case OP_WRITEABLE:
            if (!PyArray_ISWRITEABLE((PyArrayObject *)args[pc[0]])) MISSED();
            pc += 1;
            break;
        case OP_DISJOINT: {
            char *alo, *ahi, *blo, *bhi;
            bounds_of((PyArrayObject *)args[pc[0]], &alo, &ahi);
            bounds_of((PyArrayObject *)args[pc[1]], &blo, &bhi);
            if (alo < bhi && blo < ahi) MISSED();
            pc += 2;
            break;
        }
        case OP_ALLOC: {
            int o = (int)pc[0], nd = (int)pc[1];
            sp -= nd;
            while (nouts <= o)
                outs[nouts++] = NULL;
            outs[o] = new_output(plan, stack + sp, nd, (PyArray_Descr *)PyTuple_GET_ITEM(objs, pc[2]));
            if (outs[o] == NULL) { PyErr_Clear(); MISSED(); }
            pc += 3;
            break;
        }
        case OP_PACK_NT: {
            PyObject *nt = PyDict_GetItemWithError(PyTuple_GET_ITEM(objs, OBJ_GLOBALS), NT_NAME);
            if (nt == NULL || int_of(nt, &ints[ni])) { PyErr_Clear(); MISSED(); }
            ni++;
            break;
        }
        case OP_PACK_ARRAY: {
            PyArrayObject *a = (PyArrayObject *)args[pc[0]];
            int nd = (int)pc[1];
            int64_t item = pc[2];
            ints[ni++] = (int64_t)(intptr_t)PyArray_DATA(a);
            for (int d = 0; d < nd; d++) ints[ni++] = PyArray_DIMS(a)[d];
            for (int d = 0; d < nd; d++) ints[ni++] = floordiv(PyArray_STRIDES(a)[d], item);
            pc += 3;
            break;
        }
        case OP_PACK_OUT:
            ints[ni++] = (int64_t)(intptr_t)PyArray_DATA((PyArrayObject *)outs[pc[0]]);
            pc += 1;
            break;
        case OP_PACK_INT:
            if (int_of(args[pc[0]], &ints[ni])) MISSED();
            ni++;
            pc += 1;
            break;
        case OP_PACK_U64: {
            PyObject *x = args[pc[0]];
            if (PyArray_IsScalar(x, ULongLong) || PyArray_IsScalar(x, ULong)) {
                npy_uint64 u = 0;
                PyArray_ScalarAsCtype(x, &u);
                ints[ni++] = (int64_t)u;
            } else {
                int64_t v;
                if (int_of(x, &v) || v < 0) MISSED();   /* NumPy refuses a negative uint64 */
                ints[ni++] = v;
            }
            pc += 1;
            break;
        }
        case OP_PACK_FLOAT: {
            PyObject *x = args[pc[0]];
            double v = PyFloat_CheckExact(x) ? PyFloat_AS_DOUBLE(x) : PyFloat_AsDouble(x);
            if (v == -1.0 && PyErr_Occurred()) { PyErr_Clear(); MISSED(); }
            floats[nf++] = v;
            pc += 1;
            break;
        }
        case OP_PACK_COMPLEX: {
            Py_complex v = PyComplex_AsCComplex(args[pc[0]]);
            if (v.real == -1.0 && PyErr_Occurred()) { PyErr_Clear(); MISSED(); }
            floats[nf++] = v.real;
            floats[nf++] = v.imag;
            pc += 1;
            break;
        }
        case OP_CALL: {
            int rc;
            ++*hits;
            Py_BEGIN_ALLOW_THREADS
            rc = plan->entry(ints, floats);
            Py_END_ALLOW_THREADS
            if (rc != 0) {     /* marshal.py decides: rerun the plain function, or raise */
                PyObject *tuple = PyTuple_New(plan->nparams);
                if (tuple == NULL) goto done;
                for (Py_ssize_t i = 0; i < plan->nparams; i++) {
                    Py_INCREF(args[i]);
                    PyTuple_SET_ITEM(tuple, i, args[i]);
                }
                PyObject *code = PyLong_FromLong(rc);
                ret = code ? PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(objs, OBJ_ON_ERROR), code, tuple, NULL) : NULL;
                Py_XDECREF(code);
                Py_DECREF(tuple);
                goto done;
            }
            break;
        }
        case OP_RES_OUT: {
            PyObject *o = outs[pc[0]], *r;
            if (pc[1] == 0) {
                r = o;
                Py_INCREF(r);
            } else if (pc[1] == 1) {
                r = PyArray_Scalar(PyArray_DATA((PyArrayObject *)o), PyArray_DESCR((PyArrayObject *)o), o);
            } else {
                r = PyArray_GETITEM((PyArrayObject *)o, PyArray_DATA((PyArrayObject *)o));
            }
            if (r == NULL) goto done;
            results[nresults++] = r;
            pc += 2;
            break;
        }
        case OP_RES_ARG:
            Py_INCREF(args[pc[0]]);
            results[nresults++] = args[pc[0]];
            pc += 1;
            break;
        case OP_RES_CONST: {
            PyObject *c = PyTuple_GET_ITEM(objs, pc[0]), *r;
            if (pc[1]) {
                r = PyArray_NewCopy((PyArrayObject *)c, NPY_CORDER);
                if (r == NULL) goto done;
            } else {
                r = c;
                Py_INCREF(r);
            }
            results[nresults++] = r;
            pc += 2;
            break;
        }
        case OP_RES_INT: {
            PyObject *r = PyLong_FromLongLong(POP());
            if (r == NULL) goto done;
            results[nresults++] = r;
            break;
        }
        case OP_RET_NONE:
            Py_INCREF(Py_None);
            ret = Py_None;
            goto done;
        case OP_RET_SINGLE:
            ret = results[0];
            for (int i = 1; i < nresults; i++)
                Py_DECREF(results[i]);
            nresults = 0;
            goto done;
        case OP_RET_TUPLE: {
            ret = PyTuple_New(nresults);
            if (ret == NULL) goto done;
            for (int i = 0; i < nresults; i++)
                PyTuple_SET_ITEM(ret, i, results[i]);
            nresults = 0;
            goto done;
        }
        default:
            MISSED();
        }
    }
miss:
    Py_INCREF(MISS);
    ret = MISS;
done:
    for (int i = 0; i < nresults; i++)
        Py_DECREF(results[i]);
    for (int i = 0; i < nouts; i++)
        Py_XDECREF(outs[i]);
    return ret;
}

/* ---- Dispatcher: the plans of one function ------------------------------------------- */

#define MAX_PARAMS 64               /* arguments completed from defaults: at most this many */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    Py_ssize_t nparams;
    Plan **plans;
    Py_ssize_t nplans;
    unsigned long long hits;
    PyObject *function;         /* a Python function whose __defaults__ complete short calls, or NULL */
} Dispatcher;

static PyObject *Dispatcher_vectorcall(PyObject *obj, PyObject *const *argv, size_t nargsf, PyObject *kwnames) {
    Dispatcher *self = (Dispatcher *)obj;
    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "a Dispatcher takes one argument: the tuple of arguments");
        return NULL;
    }
    PyObject *args = argv[0];
    if (!PyTuple_CheckExact(args))
        goto miss;
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject *const *items = &PyTuple_GET_ITEM(args, 0);
    PyObject *full[MAX_PARAMS], *defaults = NULL;
    if (n != self->nparams) {          /* f(x) for def f(x, G=1.0): Python's binding of defaults */
        if (self->function == NULL || n > self->nparams || self->nparams > MAX_PARAMS)
            goto miss;
        defaults = PyFunction_GetDefaults(self->function);      /* read now, as Python does */
        Py_ssize_t nd = defaults ? PyTuple_GET_SIZE(defaults) : 0, first = self->nparams - nd;
        if (n < first)
            goto miss;
        Py_INCREF(defaults);            /* nothing can free the defaults while the kernel runs */
        for (Py_ssize_t i = 0; i < self->nparams; i++)
            full[i] = i < n ? items[i] : PyTuple_GET_ITEM(defaults, i - first);
        items = full;
    }
    for (Py_ssize_t i = 0; i < self->nplans; i++) {
        Plan *plan = self->plans[i];
        Py_INCREF(plan);                /* a recompile() in another thread cannot free it */
        PyObject *r = run_plan(plan, items, &self->hits);
        Py_DECREF(plan);
        if (r != MISS) {
            Py_XDECREF(defaults);
            return r;
        }
        Py_DECREF(r);
        if (i >= self->nplans)          /* cleared meanwhile */
            break;
    }
    Py_XDECREF(defaults);
miss:
    Py_INCREF(MISS);
    return MISS;
}

static void Dispatcher_clear_plans(Dispatcher *self) {
    Plan **plans = self->plans;
    Py_ssize_t n = self->nplans;
    self->plans = NULL;
    self->nplans = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        Py_DECREF(plans[i]);
    PyMem_Free(plans);
}

static int Dispatcher_traverse(Dispatcher *self, visitproc visit, void *arg) {
    for (Py_ssize_t i = 0; i < self->nplans; i++)
        Py_VISIT(self->plans[i]);
    Py_VISIT(self->function);
    return 0;
}

static int Dispatcher_tp_clear(Dispatcher *self) {
    Dispatcher_clear_plans(self);
    Py_CLEAR(self->function);
    return 0;
}

static void Dispatcher_dealloc(Dispatcher *self) {
    PyObject_GC_UnTrack(self);
    Dispatcher_clear_plans(self);
    Py_CLEAR(self->function);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Dispatcher(nparams, function=None): a Python function whose __defaults__ complete calls
 * with fewer arguments (all its parameters positional) */
static PyObject *Dispatcher_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    Py_ssize_t nparams;
    PyObject *function = Py_None;
    if (!PyArg_ParseTuple(args, "n|O", &nparams, &function))
        return NULL;
    if (function != Py_None && !PyFunction_Check(function)) {
        PyErr_SetString(PyExc_TypeError, "Dispatcher: function must be a Python function or None");
        return NULL;
    }
    Dispatcher *self = (Dispatcher *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->vectorcall = Dispatcher_vectorcall;
    self->nparams = nparams;
    if (function != Py_None) {
        Py_INCREF(function);
        self->function = function;
    }
    return (PyObject *)self;
}

/* add(entry_address, program, objs): program a list of ints, objs a tuple whose first
 * OBJ_FIRST_FREE items are the entry's owner, the caller's globals, on_error(rc, args),
 * empty(shape, dtype); min_pooled the size from which outputs come from that empty. */
static PyObject *Dispatcher_add(Dispatcher *self, PyObject *args) {
    unsigned long long address;
    long long min_pooled;
    PyObject *program, *objs;
    if (!PyArg_ParseTuple(args, "KO!O!L", &address, &PyList_Type, &program, &PyTuple_Type, &objs, &min_pooled))
        return NULL;
    if (PyTuple_GET_SIZE(objs) < OBJ_FIRST_FREE || !PyDict_Check(PyTuple_GET_ITEM(objs, OBJ_GLOBALS))) {
        PyErr_SetString(PyExc_ValueError, "objs: (owner, globals dict, on_error, empty, ...)");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(program);
    Plan *plan = PyObject_GC_New(Plan, &PlanType);
    if (plan == NULL)
        return NULL;
    plan->code = PyMem_Malloc(sizeof(int64_t) * (n ? n : 1));
    plan->ncode = n;
    plan->objs = objs;
    Py_INCREF(objs);
    plan->entry = (npa_entry)(uintptr_t)address;
    plan->nparams = self->nparams;
    plan->min_pooled = min_pooled;
    if (plan->code == NULL) {
        Py_DECREF(plan);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        plan->code[i] = PyLong_AsLongLong(PyList_GET_ITEM(program, i));
        if (plan->code[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(plan);
            return NULL;
        }
    }
    PyObject_GC_Track(plan);
    Plan **grown = PyMem_Realloc(self->plans, sizeof(Plan *) * (self->nplans + 1));
    if (grown == NULL) {
        Py_DECREF(plan);
        return PyErr_NoMemory();
    }
    self->plans = grown;
    self->plans[self->nplans++] = plan;
    Py_RETURN_NONE;
}

static PyObject *Dispatcher_clear(Dispatcher *self, PyObject *unused) {
    Dispatcher_clear_plans(self);
    Py_RETURN_NONE;
}

static PyMethodDef Dispatcher_methods[] = {
    {"add", (PyCFunction)Dispatcher_add, METH_VARARGS, "add(entry_address, program, objs, min_pooled)"},
    {"clear", (PyCFunction)Dispatcher_clear, METH_NOARGS, "Drop every plan."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Dispatcher_members[] = {
    {"hits", T_ULONGLONG, offsetof(Dispatcher, hits), READONLY, "calls run by a plan"},
    {"plans", T_PYSSIZET, offsetof(Dispatcher, nplans), READONLY, "number of plans"},
    {NULL},
};

static PyTypeObject DispatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "npaccel._dispatch.Dispatcher",
    .tp_basicsize = sizeof(Dispatcher),
    .tp_dealloc = (destructor)Dispatcher_dealloc,
    .tp_vectorcall_offset = offsetof(Dispatcher, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Dispatcher_traverse,
    .tp_clear = (inquiry)Dispatcher_tp_clear,
    .tp_doc = "Dispatcher(nparams, function=None): call with the argument tuple (completed from "
              "function.__defaults__ where shorter); returns the result or MISS.",
    .tp_methods = Dispatcher_methods,
    .tp_members = Dispatcher_members,
    .tp_new = Dispatcher_new,
};

/* ---- module ------------------------------------------------------------------------------ */

static PyObject *npa_init(PyObject *module, PyObject *miss) {
    Py_XSETREF(MISS, miss);
    Py_INCREF(miss);
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"init", npa_init, METH_O, "init(miss): the sentinel a call returns when Python must run it"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_dispatch", "npaccel's per-call path in C", -1, module_methods,
};

PyMODINIT_FUNC PyInit__dispatch(void) {
    import_array();
    if (PyType_Ready(&PlanType) < 0 || PyType_Ready(&DispatcherType) < 0)
        return NULL;
    NT_NAME = PyUnicode_InternFromString("_nt");
    MISS = Py_None;                            /* until init(): never returned before it */
    Py_INCREF(MISS);
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL || NT_NAME == NULL)
        return NULL;
    PyObject *names = PyTuple_New(OP_COUNT);
    if (names == NULL)
        return NULL;
    for (int i = 0; i < OP_COUNT; i++)
        PyTuple_SET_ITEM(names, i, PyUnicode_FromString(op_names[i]));
    Py_INCREF(&DispatcherType);
    if (PyModule_AddObject(m, "OPCODES", names) < 0 ||
        PyModule_AddObject(m, "Dispatcher", (PyObject *)&DispatcherType) < 0)
        return NULL;
    return m;
}
