// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_push into the directory given: a push.conf with every channel and option, the
 * shipped example's layout, and near misses of each kind the parser refuses.
 */
#define _DEFAULT_SOURCE
#include <stddef.h>

#include "helpers.h"

static const struct cv_seed seeds[] = {
	{ "# channels\n"
	  "ntfy https://ntfy.sh/camvault-x token=tk priority=high tags=warning,cctv send=alerts\n"
	  "gotify http://gotify.lan:8080 token-file=/etc/camvault/gotify.token priority=8\n"
	  "webhook https://example.org/hook secret-file=/etc/camvault/hook.secret name=hook send=all\n"
	  "smtp smtp://mail.example.org:587 from=cam@example.org to=a@example.org,b@example.org user=cam "
	  "pass-file=/etc/camvault/smtp.pass cafile=/etc/ssl/ca.pem send=digest\n"
	  "mqtt broker.lan:1883 user=ha pass=x prefix=camvault discovery=homeassistant\n", 0 },
	{ "\t ntfy  https://n  # comment\r\nmqtt b\n\n# end", 0 },
	{ "ntfy https://n\nntfy https://n\n", 0 },
	{ "gotify https://g\n", 0 },
	{ "smtp smtps://m:465 from=a@b to=c@d\n", 0 },
	{ "mqtt b:0\nmqtt mqtt://b\n", 0 },
	{ "webhook https://u:p@h secret=s\n", 0 },
	{ "ntfy https://n priority=urgent\0\n", 32 },
	{ "ntfy https://n priority=6 send=none\n", 0 },
};

int main(int argc, char **argv)
{
	return cv_seeds_main(argc, argv, "seeds_push", seeds, sizeof(seeds) / sizeof(seeds[0]));
}
