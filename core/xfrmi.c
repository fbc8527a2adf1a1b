/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "xfrmi.h"
#include "i18n.h"

#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

int rove_xfrmi_add(struct rove_nl *nl, const char *name, uint32_t if_id, int link,
		   struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	char what[64];
	unsigned idx;

	if (!name || !name[0] || strlen(name) >= IFNAMSIZ || !if_id)
		return rove_err_set(err, ROVE_E_INVAL, _("XFRM interface: bad name or id"));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "xfrm");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_XFRM_IF_ID, if_id);
	if (link > 0)
		mnl_attr_put_u32(nlh, IFLA_XFRM_LINK, (uint32_t)link);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	snprintf(what, sizeof(what), _("creating XFRM interface %s"), name);
	if (rove_nl_request(nl, nlh, what, err) < 0)
		return -1;
	idx = if_nametoindex(name);
	if (!idx)
		return rove_err_set(err, ROVE_E_IO, _("XFRM interface %s vanished"), name);
	return (int)idx;
}

int rove_xfrmi_del(struct rove_nl *nl, int ifindex, struct rove_err *err)
{
	uint8_t buf[ROVE_NL_MSG_MAX];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return rove_err_set(err, ROVE_E_INVAL, _("XFRM interface: bad index"));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = 0;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return rove_nl_request(nl, nlh, _("deleting the XFRM interface"), err);
}
