/* rove's NetworkManager secret agent: it saves, returns and deletes rove VPN
 * secrets in the keyring through libsecret with the schema and attributes
 * nm-applet uses (org.freedesktop.NetworkManager.Connection; connection-uuid,
 * setting-name "vpn", setting-key the secret's key), so each finds what the
 * other saved; a secret that is not stored is asked for in a dialog whose
 * "remember" honours the secret's flags. */
#ifndef ROVE_GUI_AGENT_H
#define ROVE_GUI_AGENT_H

#include <NetworkManager.h>
#include <libsecret/secret.h>
#include <nm-secret-agent-old.h>

#define ROVE_TYPE_AGENT (rove_agent_get_type())
#define ROVE_AGENT(o) (G_TYPE_CHECK_INSTANCE_CAST((o), ROVE_TYPE_AGENT, RoveAgent))
typedef struct _RoveAgent RoveAgent;
typedef struct {
	NMSecretAgentOldClass parent_class;
} RoveAgentClass;
GType rove_agent_get_type(void);

/* Registers with NetworkManager now and whenever it (re)starts; the caller
 * owns the agent. NULL without a system bus. */
RoveAgent *rove_agent_new(void);

/* nm-applet's schema (static). */
const SecretSchema *rove_agent_schema(void);

#endif
