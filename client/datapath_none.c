/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "datapath_none.h"

#include <stdlib.h>
#include <string.h>

static int none_install(struct rove_datapath *dp, const struct rove_child_sa *sa,
			struct rove_err *err)
{
	return 0;
}

static void none_remove(struct rove_datapath *dp, const struct rove_child_sa *sa)
{
}

static int none_configure(struct rove_datapath *dp, const struct rove_config_info *cfg,
			  struct rove_err *err)
{
	return 0;
}

/* Nothing is carried, so the honest count is zero. */
static int none_counters(struct rove_datapath *dp, const struct rove_child_sa *sa,
			 struct rove_counters *out)
{
	memset(out, 0, sizeof(*out));
	return 0;
}

static void none_destroy(struct rove_datapath *dp)
{
	free(dp);
}

static const struct rove_datapath_ops none_ops = {
	.name = "none",
	.install = none_install,
	.remove = none_remove,
	.configure = none_configure,
	.counters = none_counters,
	.destroy = none_destroy,
};

struct rove_datapath *rove_datapath_none_new(void)
{
	struct rove_datapath *dp = calloc(1, sizeof(*dp));

	if (dp)
		dp->ops = &none_ops;
	return dp;
}
