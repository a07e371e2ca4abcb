/* meta/tuf_signer_pkcs11.c - signing with an Ed25519 key on a PKCS#11 token
 *
 * The module (SoftHSM2, p11-kit's proxy, a vendor's HSM library) is loaded with dlopen; no
 * library is linked. Modules are shared per process and reference-counted: two signers on the
 * same module (root and targets keys in one HSM) share one C_Initialize. A signer owns one
 * session with the private key's handle; signatures are CKM_EDDSA (PureEdDSA, no parameters)
 * and each is checked against the public key read from the token before it is returned, so a
 * token that signs with another key than the one whose keyid was published is caught at once.
 * The private key never leaves the token; save is FLW_EPERM. Module libraries are never
 * unloaded (see module_put).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#define CRYPTOKI_GNU 1
#include <p11-kit-1/p11-kit/pkcs11.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "tuf_signer_impl.h"

#define MAX_MODULES   8
#define MAX_SLOTS     256
#define EC_POINT_MAX  64
#define EC_PARAMS_MAX 64

/* CKA_EC_PARAMS for Ed25519: the curve name as a PrintableString, or the OID id-Ed25519 */
static const unsigned char ed25519_name[] = { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
	                                      'd',  's',  '2', '5', '5', '1', '9' };
static const unsigned char ed25519_oid[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };

struct p11_module {
	void *dl;
	struct ck_function_list *f;
	unsigned refs;
	int finalize; /* we called C_Initialize, so we call C_Finalize */
};

static struct p11_module modules[MAX_MODULES];
static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;

struct p11_signer {
	struct p11_module *mod;
	ck_session_handle_t session;
	ck_object_handle_t key;
	pthread_mutex_t lock; /* one operation per session at a time */
};

static const char *rv_name(ck_rv_t rv)
{
	switch (rv) {
	case CKR_OK:
		return "CKR_OK";
	case CKR_HOST_MEMORY:
		return "CKR_HOST_MEMORY";
	case CKR_SLOT_ID_INVALID:
		return "CKR_SLOT_ID_INVALID";
	case CKR_GENERAL_ERROR:
		return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED:
		return "CKR_FUNCTION_FAILED";
	case CKR_ARGUMENTS_BAD:
		return "CKR_ARGUMENTS_BAD";
	case CKR_ATTRIBUTE_TYPE_INVALID:
		return "CKR_ATTRIBUTE_TYPE_INVALID";
	case CKR_ATTRIBUTE_VALUE_INVALID:
		return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_DEVICE_ERROR:
		return "CKR_DEVICE_ERROR";
	case CKR_DEVICE_REMOVED:
		return "CKR_DEVICE_REMOVED";
	case CKR_KEY_HANDLE_INVALID:
		return "CKR_KEY_HANDLE_INVALID";
	case CKR_KEY_TYPE_INCONSISTENT:
		return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_MECHANISM_INVALID:
		return "CKR_MECHANISM_INVALID";
	case CKR_PIN_INCORRECT:
		return "CKR_PIN_INCORRECT";
	case CKR_PIN_LOCKED:
		return "CKR_PIN_LOCKED";
	case CKR_SESSION_HANDLE_INVALID:
		return "CKR_SESSION_HANDLE_INVALID";
	case CKR_TEMPLATE_INCONSISTENT:
		return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_TOKEN_NOT_PRESENT:
		return "CKR_TOKEN_NOT_PRESENT";
	case CKR_TOKEN_WRITE_PROTECTED:
		return "CKR_TOKEN_WRITE_PROTECTED";
	case CKR_USER_NOT_LOGGED_IN:
		return "CKR_USER_NOT_LOGGED_IN";
	case CKR_USER_PIN_NOT_INITIALIZED:
		return "CKR_USER_PIN_NOT_INITIALIZED";
	case CKR_CURVE_NOT_SUPPORTED:
		return "CKR_CURVE_NOT_SUPPORTED";
	case CKR_DOMAIN_PARAMS_INVALID:
		return "CKR_DOMAIN_PARAMS_INVALID";
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return "CKR_CRYPTOKI_NOT_INITIALIZED";
	default:
		return "CKR_?";
	}
}

static int rv_fail(struct flw_diag *diag, ck_rv_t rv, const char *what)
{
	int code = FLW_EIO;

	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_LOCKED ||
	    rv == CKR_PIN_EXPIRED || rv == CKR_USER_NOT_LOGGED_IN ||
	    rv == CKR_USER_PIN_NOT_INITIALIZED)
		code = FLW_EAUTH;
	else if (rv == CKR_HOST_MEMORY)
		code = FLW_ENOMEM;
	return flw_diag_set(diag, code, NULL, "PKCS#11 %s: %s (0x%lx)", what, rv_name(rv),
	                    (unsigned long)rv);
}

/* ---- modules --------------------------------------------------------------------------------- */

static int module_get(struct p11_module **out, const char *path, struct flw_diag *diag)
{
	struct ck_c_initialize_args args;
	struct ck_function_list *f = NULL;
	struct p11_module *m = NULL;
	CK_C_GetFunctionList get;
	void *dl;
	void *sym;
	ck_rv_t rv;
	size_t i;
	int rc = 0;

	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return flw_diag_set(diag, FLW_EIO, path, "cannot load the PKCS#11 module '%s': %s",
		                    path, dlerror());
	pthread_mutex_lock(&modules_lock);
	for (i = 0; i < MAX_MODULES; i++) {
		if (modules[i].refs && modules[i].dl == dl) {
			modules[i].refs++;
			dlclose(dl); /* the module already holds a reference */
			*out = &modules[i];
			goto out;
		}
		if (!modules[i].refs && !m)
			m = &modules[i];
	}
	if (!m) {
		rc = flw_diag_set(diag, FLW_ELIMIT, path, "more than %d PKCS#11 modules",
		                  MAX_MODULES);
		goto fail;
	}
	sym = dlsym(dl, "C_GetFunctionList");
	if (!sym) {
		rc = flw_diag_set(diag, FLW_EIO, path, "'%s' is not a PKCS#11 module", path);
		goto fail;
	}
	memcpy(&get, &sym, sizeof(get));
	rv = get(&f);
	if (rv != CKR_OK || !f) {
		rc = rv_fail(diag, rv, "C_GetFunctionList");
		goto fail;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		rc = rv_fail(diag, rv, "C_Initialize");
		goto fail;
	}
	m->dl = dl;
	m->f = f;
	m->refs = 1;
	m->finalize = rv == CKR_OK;
	*out = m;
	goto out;
fail:
	dlclose(dl);
out:
	pthread_mutex_unlock(&modules_lock);
	return rc;
}

static void module_put(struct p11_module *m)
{
	pthread_mutex_lock(&modules_lock);
	if (--m->refs == 0) {
		if (m->finalize)
			m->f->C_Finalize(NULL);
		/* the library stays mapped (no dlclose): modules may leave atexit handlers or
		 * threads behind, and a later dlopen of the same path gets the same mapping */
		memset(m, 0, sizeof(*m));
	}
	pthread_mutex_unlock(&modules_lock);
}

/* ---- token and objects ----------------------------------------------------------------------- */

/* a blank-padded CK_TOKEN_INFO field equals want (empty want matches anything) */
static int field_is(const unsigned char *field, size_t n, const char *want)
{
	size_t len = strlen(want);

	if (!*want)
		return 1;
	if (len > n || memcmp(field, want, len) != 0)
		return 0;
	for (; len < n; len++)
		if (field[len] != ' ' && field[len] != '\0')
			return 0;
	return 1;
}

static int find_slot(struct ck_function_list *f, const struct flw_p11_uri *u, ck_slot_id_t *out,
                     struct ck_token_info *info_out, struct flw_diag *diag)
{
	ck_slot_id_t slots[MAX_SLOTS];
	struct ck_token_info info;
	unsigned long n = MAX_SLOTS, i, found = 0;
	ck_rv_t rv;

	rv = f->C_GetSlotList(1, slots, &n);
	if (rv == CKR_BUFFER_TOO_SMALL)
		return flw_diag_set(diag, FLW_ELIMIT, NULL, "more than %d PKCS#11 slots",
		                    MAX_SLOTS);
	if (rv != CKR_OK)
		return rv_fail(diag, rv, "C_GetSlotList");
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		if (!field_is(info.label, sizeof(info.label), u->token) ||
		    !field_is(info.manufacturer_id, sizeof(info.manufacturer_id),
		              u->manufacturer) ||
		    !field_is(info.model, sizeof(info.model), u->model) ||
		    !field_is(info.serial_number, sizeof(info.serial_number), u->serial))
			continue;
		if (!(info.flags & CKF_TOKEN_INITIALIZED))
			continue;
		if (found++ == 0) {
			*out = slots[i];
			*info_out = info;
		}
	}
	if (found == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "token",
		                    "no initialized PKCS#11 token%s%s%s in the module",
		                    u->token[0] ? " '" : "", u->token, u->token[0] ? "'" : "");
	if (found > 1)
		return flw_diag_set(
		        diag, FLW_ECONFLICT, "token",
		        "%lu PKCS#11 tokens match; name one with token= or serial=", found);
	return 0;
}

/* objects of class cls matching the URI's label/id: up to 2 handles in h, count in *n */
static int find_objects(struct ck_function_list *f, ck_session_handle_t s,
                        const struct flw_p11_uri *u, ck_object_class_t cls, ck_object_handle_t h[2],
                        unsigned long *n, struct flw_diag *diag)
{
	ck_key_type_t kt = CKK_EC_EDWARDS;
	struct ck_attribute t[4];
	unsigned long nt = 0;
	ck_rv_t rv;

	t[nt++] = (struct ck_attribute){ CKA_CLASS, &cls, sizeof(cls) };
	t[nt++] = (struct ck_attribute){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	if (u->object[0])
		t[nt++] = (struct ck_attribute){ CKA_LABEL, (void *)u->object, strlen(u->object) };
	if (u->has_id)
		t[nt++] = (struct ck_attribute){ CKA_ID, (void *)u->id, u->id_len };
	rv = f->C_FindObjectsInit(s, t, nt);
	if (rv != CKR_OK)
		return rv_fail(diag, rv, "C_FindObjectsInit");
	*n = 0;
	rv = f->C_FindObjects(s, h, 2, n);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return rv_fail(diag, rv, "C_FindObjects");
	return 0;
}

static int get_attr(struct ck_function_list *f, ck_session_handle_t s, ck_object_handle_t o,
                    ck_attribute_type_t type, unsigned char *buf, unsigned long *len)
{
	struct ck_attribute a = { type, buf, *len };
	ck_rv_t rv = f->C_GetAttributeValue(s, o, &a, 1);

	if (rv != CKR_OK || a.value_len == (unsigned long)-1 || a.value_len > *len)
		return -1;
	*len = a.value_len;
	return 0;
}

/* CKA_EC_POINT: DER OCTET STRING of the 32-byte key (some tokens give the raw 32 bytes) */
static int read_public(struct ck_function_list *f, ck_session_handle_t s, ck_object_handle_t o,
                       unsigned char pk[FLW_ED25519_PK_BYTES], struct flw_diag *diag)
{
	unsigned char point[EC_POINT_MAX];
	unsigned char params[EC_PARAMS_MAX];
	unsigned long len = sizeof(params);

	if (get_attr(f, s, o, CKA_EC_PARAMS, params, &len) == 0 &&
	    !(len == sizeof(ed25519_name) && memcmp(params, ed25519_name, len) == 0) &&
	    !(len == sizeof(ed25519_oid) && memcmp(params, ed25519_oid, len) == 0))
		return flw_diag_set(diag, FLW_EFORMAT, "object",
		                    "the PKCS#11 key is not an Ed25519 key (CKA_EC_PARAMS)");
	len = sizeof(point);
	if (get_attr(f, s, o, CKA_EC_POINT, point, &len) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, "object",
		                    "cannot read the public key (CKA_EC_POINT) from the token");
	if (len == 2 + FLW_ED25519_PK_BYTES && point[0] == 0x04 &&
	    point[1] == FLW_ED25519_PK_BYTES) {
		memcpy(pk, point + 2, FLW_ED25519_PK_BYTES);
		return 0;
	}
	if (len == FLW_ED25519_PK_BYTES) {
		memcpy(pk, point, FLW_ED25519_PK_BYTES);
		return 0;
	}
	return flw_diag_set(diag, FLW_EFORMAT, "object",
	                    "CKA_EC_POINT is not a 32-byte Ed25519 public key");
}

/* private key handle and public key of the key the URI names */
static int find_key(struct ck_function_list *f, ck_session_handle_t s, const struct flw_p11_uri *u,
                    ck_object_handle_t *key, unsigned char pk[FLW_ED25519_PK_BYTES],
                    struct flw_diag *diag)
{
	ck_object_handle_t h[2];
	ck_object_handle_t pub[2];
	unsigned long n = 0, npub = 0;
	int rc;

	if ((rc = find_objects(f, s, u, CKO_PRIVATE_KEY, h, &n, diag)) != 0)
		return rc;
	if (n == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "object",
		                    "no Ed25519 private key '%s' on the token (or it needs a PIN)",
		                    u->object);
	if (n > 1)
		return flw_diag_set(diag, FLW_ECONFLICT, "object",
		                    "several private keys match '%s'; add id= to the URI",
		                    u->object);
	*key = h[0];
	if ((rc = find_objects(f, s, u, CKO_PUBLIC_KEY, pub, &npub, diag)) != 0)
		return rc;
	if (npub > 1)
		return flw_diag_set(diag, FLW_ECONFLICT, "object",
		                    "several public keys match '%s'; add id= to the URI",
		                    u->object);
	/* without a public key object, some tokens expose CKA_EC_POINT on the private key */
	return read_public(f, s, npub == 1 ? pub[0] : h[0], pk, diag);
}

static int generate_key(struct ck_function_list *f, ck_session_handle_t s,
                        const struct flw_p11_uri *u, ck_object_handle_t *key,
                        unsigned char pk[FLW_ED25519_PK_BYTES], struct flw_diag *diag)
{
	struct ck_mechanism mech = { CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0 };
	unsigned char yes = 1, no = 0;
	unsigned char id[16];
	const void *id_p = u->id;
	unsigned long id_len = u->id_len;
	ck_object_handle_t h[2], pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	unsigned long n = 0;
	ck_rv_t rv = CKR_OK;
	int rc, attempt;

	if (!u->object[0])
		return flw_diag_set(diag, FLW_EFORMAT, "object",
		                    "name the new key with object=LABEL in the URI");
	if ((rc = find_objects(f, s, u, CKO_PRIVATE_KEY, h, &n, diag)) != 0)
		return rc;
	if (n == 0 && (rc = find_objects(f, s, u, CKO_PUBLIC_KEY, h, &n, diag)) != 0)
		return rc;
	if (n > 0)
		return flw_diag_set(diag, FLW_ECONFLICT, "object",
		                    "the token already holds a key '%s'; refusing to add another",
		                    u->object);
	if (!u->has_id) {
		flw_random(id, sizeof(id));
		id_p = id;
		id_len = sizeof(id);
	}
	for (attempt = 0; attempt < 2; attempt++) {
		const unsigned char *params = attempt == 0 ? ed25519_name : ed25519_oid;
		unsigned long params_len =
		        attempt == 0 ? sizeof(ed25519_name) : sizeof(ed25519_oid);
		struct ck_attribute pub_t[] = {
			{ CKA_TOKEN, &yes, 1 },
			{ CKA_VERIFY, &yes, 1 },
			{ CKA_EC_PARAMS, (void *)params, params_len },
			{ CKA_LABEL, (void *)u->object, strlen(u->object) },
			{ CKA_ID, (void *)id_p, id_len },
		};
		struct ck_attribute priv_t[] = {
			{ CKA_TOKEN, &yes, 1 },
			{ CKA_PRIVATE, &yes, 1 },
			{ CKA_SENSITIVE, &yes, 1 },
			{ CKA_EXTRACTABLE, &no, 1 },
			{ CKA_SIGN, &yes, 1 },
			{ CKA_LABEL, (void *)u->object, strlen(u->object) },
			{ CKA_ID, (void *)id_p, id_len },
		};

		rv = f->C_GenerateKeyPair(s, &mech, pub_t, sizeof(pub_t) / sizeof(pub_t[0]), priv_t,
		                          sizeof(priv_t) / sizeof(priv_t[0]), &pub, &priv);
		if (rv != CKR_CURVE_NOT_SUPPORTED && rv != CKR_ATTRIBUTE_VALUE_INVALID &&
		    rv != CKR_DOMAIN_PARAMS_INVALID)
			break;
	}
	if (rv != CKR_OK)
		return rv_fail(diag, rv, "C_GenerateKeyPair (Ed25519)");
	rc = read_public(f, s, pub, pk, diag);
	if (rc != 0) {
		f->C_DestroyObject(s, priv);
		f->C_DestroyObject(s, pub);
		return rc;
	}
	*key = priv;
	return 0;
}

/* ---- the signer ------------------------------------------------------------------------------ */

static int p11_sign(const struct flw_signer *s, const void *msg, size_t len,
                    unsigned char sig[FLW_ED25519_SIG_BYTES])
{
	struct p11_signer *p = s->impl;
	struct ck_function_list *f = p->mod->f;
	struct ck_mechanism mech = { CKM_EDDSA, NULL, 0 };
	unsigned char out[2 * FLW_ED25519_SIG_BYTES];
	unsigned long out_len = sizeof(out);
	ck_rv_t rv;
	int rc = FLW_EIO;

	pthread_mutex_lock(&p->lock);
	rv = f->C_SignInit(p->session, &mech, p->key);
	if (rv == CKR_OK)
		rv = f->C_Sign(p->session, (unsigned char *)msg, len, out, &out_len);
	pthread_mutex_unlock(&p->lock);
	if (rv == CKR_HOST_MEMORY)
		rc = FLW_ENOMEM;
	if (rv != CKR_OK || out_len != FLW_ED25519_SIG_BYTES)
		goto out;
	/* never hand out a signature that the published key does not verify */
	rc = FLW_ECRYPTO;
	if (flw_ed25519_verify(out, msg, len, s->key.pk) != 0)
		goto out;
	memcpy(sig, out, FLW_ED25519_SIG_BYTES);
	rc = 0;
out:
	return rc;
}

static int p11_save(const struct flw_signer *s, const char *path,
                    const struct flw_signer_opts *opts, struct flw_diag *diag)
{
	return flw_diag_set(diag, FLW_EPERM, path,
	                    "the key lives on a PKCS#11 token and cannot be written to a file");
}

static void p11_close(struct p11_signer *p)
{
	if (p->session != CK_INVALID_HANDLE)
		p->mod->f->C_CloseSession(p->session); /* the last close logs the user out */
	module_put(p->mod);
	pthread_mutex_destroy(&p->lock);
	flw_free(p);
}

static void p11_destroy(struct flw_signer *s)
{
	if (s->impl)
		p11_close(s->impl);
	s->impl = NULL;
}

static const struct flw_signer_ops p11_ops = {
	.version = FLW_SIGNER_OPS_VERSION,
	.name = "pkcs11",
	.sign = p11_sign,
	.save = p11_save,
	.destroy = p11_destroy,
};

/* the PIN: the URI's pin-value or pin-source, else opts; "" when none */
static int get_pin(const struct flw_p11_uri *u, const struct flw_signer_opts *opts,
                   char pin[FLW_P11_PIN_MAX + 1], struct flw_diag *diag)
{
	const char *src = u->pin_source;
	struct flw_buf b;
	size_t len;
	int rc = 0;

	pin[0] = '\0';
	if (u->pin_value[0]) {
		memcpy(pin, u->pin_value, strlen(u->pin_value) + 1);
		return 0;
	}
	if (!*src) {
		if (opts && opts->pkcs11_pin) {
			len = strnlen(opts->pkcs11_pin, FLW_P11_PIN_MAX + 1);
			if (len > FLW_P11_PIN_MAX)
				return flw_diag_set(diag, FLW_ELIMIT, NULL,
				                    "PIN longer than %d bytes", FLW_P11_PIN_MAX);
			memcpy(pin, opts->pkcs11_pin, len + 1);
		}
		return 0;
	}
	if (strncmp(src, "file:", 5) == 0)
		src += 5;
	flw_buf_init(&b, FLW_P11_PIN_FILE_MAX);
	rc = flw_signer__read_private(src, &b, diag);
	if (rc != 0)
		goto out;
	len = 0;
	while (len < b.len && b.data[len] != '\n' && b.data[len] != '\r' && b.data[len] != '\0')
		len++;
	if (len > FLW_P11_PIN_MAX) {
		rc = flw_diag_set(diag, FLW_ELIMIT, src, "PIN longer than %d bytes",
		                  FLW_P11_PIN_MAX);
		goto out;
	}
	memcpy(pin, b.data, len);
	pin[len] = '\0';
out:
	flw_buf_free_secure(&b);
	return rc;
}

int flw_signer__pkcs11_load(struct flw_signer **out, const char *uri,
                            const struct flw_signer_opts *opts, int generate, struct flw_diag *diag)
{
	struct flw_p11_uri u;
	struct ck_token_info info = { 0 };
	struct p11_signer *p = NULL;
	struct flw_signer *s = NULL;
	unsigned char pk[FLW_ED25519_PK_BYTES];
	char pin[FLW_P11_PIN_MAX + 1];
	const char *module;
	ck_slot_id_t slot = 0;
	ck_rv_t rv;
	int rc;

	pin[0] = '\0';
	if ((rc = flw_signer__p11_uri_parse(&u, uri, diag)) != 0)
		return rc;
	if ((rc = get_pin(&u, opts, pin, diag)) != 0)
		goto out;
	module = u.module_path[0]                                      ? u.module_path
	         : opts && opts->pkcs11_module && *opts->pkcs11_module ? opts->pkcs11_module
	                                                               : FLW_PKCS11_DEFAULT_MODULE;
	rc = FLW_ENOMEM;
	p = flw_calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->session = CK_INVALID_HANDLE;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		flw_free(p);
		p = NULL;
		goto out;
	}
	if ((rc = module_get(&p->mod, module, diag)) != 0) {
		pthread_mutex_destroy(&p->lock);
		flw_free(p);
		p = NULL;
		goto out;
	}
	if ((rc = find_slot(p->mod->f, &u, &slot, &info, diag)) != 0)
		goto out;
	rv = p->mod->f->C_OpenSession(slot, CKF_SERIAL_SESSION | (generate ? CKF_RW_SESSION : 0),
	                              NULL, NULL, &p->session);
	if (rv != CKR_OK) {
		rc = rv_fail(diag, rv, "C_OpenSession");
		goto out;
	}
	if (pin[0]) {
		rv = p->mod->f->C_Login(p->session, CKU_USER, (unsigned char *)pin, strlen(pin));
		if (rv == CKR_PIN_INCORRECT) {
			rc = flw_diag_set(diag, FLW_EAUTH, "pin",
			                  "wrong PIN for the PKCS#11 token");
			goto out;
		}
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			rc = rv_fail(diag, rv, "C_Login");
			goto out;
		}
	} else if (info.flags & CKF_LOGIN_REQUIRED) {
		rc = flw_diag_set(diag, FLW_EAUTH, "pin",
		                  "the PKCS#11 token needs a PIN (none was given)");
		goto out;
	}
	rc = generate ? generate_key(p->mod->f, p->session, &u, &p->key, pk, diag)
	              : find_key(p->mod->f, p->session, &u, &p->key, pk, diag);
	if (rc != 0)
		goto out;
	if ((rc = flw_signer__new(&s, &p11_ops, pk, p)) != 0)
		goto out;
	p = NULL; /* owned by s */
	*out = s;
out:
	if (p)
		p11_close(p);
	flw_memzero(pin, sizeof(pin));
	flw_signer__p11_uri_clear(&u);
	return rc;
}
