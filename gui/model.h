/* The app's view of rove connections: NetworkManager's connections of
 * vpn.service-type org.freedesktop.NetworkManager.rove, their active
 * connection, and the org.rove.Status1 object of each (docs/status-dbus.md).
 * Everything is driven by D-Bus signals; nothing polls. */
#ifndef ROVE_GUI_MODEL_H
#define ROVE_GUI_MODEL_H

#include <NetworkManager.h>

#define ROVE_NM_SERVICE "org.freedesktop.NetworkManager.rove"
#define ROVE_STATUS_NAME "org.rove.Status1"
#define ROVE_STATUS_IFACE "org.rove.Status1.Connection"

enum rove_conn_state {
	ROVE_CONN_DISCONNECTED,
	ROVE_CONN_CONNECTING,
	ROVE_CONN_CONNECTED,
	ROVE_CONN_FAILED,
};

struct rove_model;

/* One rove connection. Owned by the model; valid until the model's
 * listeners are told it is gone (rove_model_listener with removed=TRUE). */
struct rove_conn {
	struct rove_model *model;
	NMRemoteConnection *remote;   /* ref */
	NMActiveConnection *active;   /* ref, NULL when not active */
	GDBusProxy *status;           /* NULL until created */
	GHashTable *props;            /* Status1 property name -> GVariant (ref) */
	GCancellable *cancel;
	char *uuid;
	int menu_id;                  /* stable id in the tray menu */
	enum rove_conn_state state;
	char *nm_failure;             /* NetworkManager's reason of the last failure */
	gulong remote_changed_id, active_state_id;
};

typedef void (*rove_model_listener)(struct rove_model *m, struct rove_conn *c,
				    gboolean removed, void *data);

struct rove_model {
	NMClient *client;             /* NULL while there is no system bus */
	GPtrArray *conns;             /* struct rove_conn *, owned */
	char *problem;                /* why NetworkManager is unusable, or NULL */
	GArray *listeners;
	int next_menu_id;
};

struct rove_model *rove_model_new(void);
void rove_model_free(struct rove_model *m);
/* The listener is called with c == NULL when the whole list or the
 * NetworkManager state changed, else for one connection. */
void rove_model_listen(struct rove_model *m, rove_model_listener cb, void *data);
struct rove_conn *rove_model_find(struct rove_model *m, const char *uuid);
struct rove_conn *rove_model_find_menu_id(struct rove_model *m, int id);

/* Connect (activate) or disconnect; failures come back through the model
 * as a failed state with NetworkManager's reason. */
void rove_conn_up(struct rove_conn *c);
void rove_conn_down(struct rove_conn *c);
void rove_conn_toggle(struct rove_conn *c);

const char *rove_conn_name(const struct rove_conn *c);
/* A Status1 property, or NULL (borrowed). */
GVariant *rove_conn_prop(const struct rove_conn *c, const char *name);
/* Status1 string property, "" when missing (borrowed). */
const char *rove_conn_str(const struct rove_conn *c, const char *name);
guint64 rove_conn_u64(const struct rove_conn *c, const char *name);
/* Translated state for people ("Connected", "Reconnecting", ...). */
const char *rove_conn_state_label(const struct rove_conn *c);
/* The failure sentence: rove's when statusd has one, else NetworkManager's
 * reason; "" when none (borrowed). */
const char *rove_conn_failure(const struct rove_conn *c);
/* Newly allocated comma-separated list of the virtual IPs, or NULL. */
char *rove_conn_virtual_ips(const struct rove_conn *c);
char *rove_conn_dns(const struct rove_conn *c);
/* The overall state for the tray icon: connected wins over connecting,
 * connecting over failed, failed over disconnected. */
enum rove_conn_state rove_model_summary(const struct rove_model *m,
					const struct rove_conn **which);

#endif
