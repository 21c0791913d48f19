// SPDX-License-Identifier: GPL-2.0
/*
 * The MQTT channel (libmosquitto), made for Home Assistant: a connection per delivery (no connection kept
 * open, so nothing wakes the Pi between messages), then
 *	homeassistant/event/camvault_<vault>/config	(retained, unless discovery=none) the discovery config of
 *		an event entity for the vault: event_types unexpected_access, digest, test; state topic below;
 *		a device per vault; unique_id camvault_<vault>
 *	<prefix>/<vault>/event				{"event_type": ..., "id", "vault", "title", "text",
 *		"records"}
 * both at QoS 1; the delivery counts only once the broker acknowledged both (PUBACK). <vault> is the vault's
 * name with every character but A-Z a-z 0-9 _ - made '_' (a '+' would be a wildcard), or "all" for messages
 * about no vault in particular. cafile= turns TLS on, verified against that CA.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "push/channels.h"
#include "push/push_chan.h"
#include "push/push_text.h"
#include "util/dlib.h"

#define CV_MQTT_KEEPALIVE	60

struct cv_mqtt_state {
	int connack;		/* -1 until CONNACK; then its code (0 accepted) */
	int acked;		/* PUBACKs of our messages */
	int mids[2];
};

static void cv_on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct cv_mqtt_state *s = arg;

	(void)m;
	s->connack = rc;
}

static void cv_on_publish(struct mosquitto *m, void *arg, int mid)
{
	struct cv_mqtt_state *s = arg;

	(void)m;
	if (mid == s->mids[0] || mid == s->mids[1])
		s->acked++;
}

static int64_t cv_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The vault as a topic level and id: A-Z a-z 0-9 _ - only. */
static void cv_mqtt_id(const char *vault, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "%s", vault && *vault ? vault : "all");
	for (i = 0; out[i]; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' && out[i] <= 'Z') ||
		      (out[i] >= '0' && out[i] <= '9') || out[i] == '_' || out[i] == '-'))
			out[i] = '_';
}

static const char *cv_event_type(enum cv_push_kind kind)
{
	return kind == CV_PUSH_ALERT ? "unexpected_access" : kind == CV_PUSH_DIGEST ? "digest" : "test";
}

static void cv_mqtt_payloads(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *id,
			     const char *delivery_id, struct cv_buf *config, struct cv_buf *event)
{
	cv_buf_puts(config, "{\"name\":\"Footage access\",\"unique_id\":");
	cv_buf_printf(config, "\"camvault_%s\",\"object_id\":\"camvault_%s\",\"state_topic\":", id, id);
	cv_buf_printf(config, "\"%s/%s/event\"", c->prefix, id);
	cv_buf_puts(config, ",\"event_types\":[\"unexpected_access\",\"digest\",\"test\"],\"icon\":\"mdi:cctv\","
		    "\"device\":{\"identifiers\":[");
	cv_buf_printf(config, "\"camvault_%s\"],\"name\":", id);
	cv_buf_printf(config, "\"camvault %s\",\"manufacturer\":\"camvault\",\"model\":\"camvault\","
		      "\"sw_version\":\"" CAMVAULT_VERSION "\"}}", id);

	cv_buf_puts(event, "{\"event_type\":");
	cv_buf_json_str(event, cv_event_type(m->kind));
	cv_buf_puts(event, ",\"id\":");
	cv_buf_json_str(event, delivery_id);
	cv_buf_puts(event, ",\"vault\":");
	cv_buf_json_str(event, m->vault);
	cv_buf_puts(event, ",\"title\":");
	cv_buf_json_str(event, m->title);
	cv_buf_puts(event, ",\"text\":");
	cv_buf_json_str(event, m->text);
	cv_buf_printf(event, ",\"records\":%s}", m->json ? m->json : "[]");
}

/* Runs the client's loop until done() or the deadline; 0, or the last mosquitto error. */
static int cv_mqtt_wait(struct mosquitto *mq, struct cv_mqtt_state *s, int64_t deadline, int want_acks)
{
	int rc = MOSQ_ERR_SUCCESS;

	while (cv_mono_ms() < deadline) {
		if (want_acks < 0 ? s->connack >= 0 : s->acked >= want_acks)
			return MOSQ_ERR_SUCCESS;
		rc = cv_mosq.loop(mq, 100, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return rc;
	}
	return MOSQ_ERR_TIMEOUT;
}

int cv_push_send_mqtt(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
		      int64_t now_ms, char *err, size_t errlen)
{
	struct cv_mqtt_state s = { .connack = -1, .mids = { -1, -1 } };
	struct cv_buf config = { 0 }, event = { 0 }, topic = { 0 }, ctopic = { 0 };
	int64_t start = cv_mono_ms();
	char id[128], client[64];
	struct mosquitto *mq;
	int rc, want = 0, ret = -1;

	(void)now_ms;
	cv_mqtt_id(m->vault, id, sizeof(id));
	cv_mqtt_payloads(c, m, id, delivery_id, &config, &event);
	cv_buf_printf(&topic, "%s/%s/event", c->prefix, id);
	cv_buf_printf(&ctopic, "homeassistant/event/camvault_%s/config", id);
	snprintf(client, sizeof(client), "camvault-%ld-%lld", (long)getpid(), (long long)start);
	mq = cv_mosq.new(client, true, &s);
	if (!mq || config.oom || event.oom || topic.oom || ctopic.oom) {
		snprintf(err, errlen, "%s: out of memory", c->id);
		goto out;
	}
	cv_mosq.int_option(mq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	cv_mosq.connect_callback_set(mq, cv_on_connect);
	cv_mosq.publish_callback_set(mq, cv_on_publish);
	if (c->user[0] && cv_mosq.username_pw_set(mq, c->user, c->secret[0] ? c->secret : NULL)) {
		snprintf(err, errlen, "%s: out of memory", c->id);
		goto out;
	}
	if (c->cafile[0] && cv_mosq.tls_set(mq, c->cafile, NULL, NULL, NULL, NULL)) {
		snprintf(err, errlen, "%s: cannot use cafile %s: check that it is a PEM certificate", c->id,
			 c->cafile);
		goto out;
	}
	rc = cv_mosq.connect_async(mq, c->host, c->port, CV_MQTT_KEEPALIVE);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = cv_mqtt_wait(mq, &s, start + CV_PUSH_CONNECT_S * 1000, -1);
	if (rc != MOSQ_ERR_SUCCESS || s.connack) {
		snprintf(err, errlen, "%s: cannot connect to the broker %s:%d (%s): %s", c->id, c->host, c->port,
			 rc != MOSQ_ERR_SUCCESS ? (rc == MOSQ_ERR_ERRNO ? "connection refused or unreachable" :
			 cv_mosq.strerror(rc)) : cv_mosq.connack_string(s.connack),
			 s.connack == 4 || s.connack == 5 ? "check user= and pass-file=" :
			 "check the host and port, and that the broker is up");
		goto out;
	}
	if (c->discovery) {
		rc = cv_mosq.publish(mq, &s.mids[0], ctopic.p, (int)config.len, config.p, 1, true);
		want++;
		if (rc)
			goto pubfail;
	}
	rc = cv_mosq.publish(mq, &s.mids[1], topic.p, (int)event.len, event.p, 1, false);
	want++;
	if (rc)
		goto pubfail;
	rc = cv_mqtt_wait(mq, &s, start + CV_PUSH_TOTAL_S * 1000, want);
	if (rc)
		goto pubfail;
	ret = 0;
	cv_mosq.disconnect(mq);
	goto out;
pubfail:
	snprintf(err, errlen, "%s: publishing to %s:%d failed (%s): check the broker and its ACLs for %s/# and "
		 "homeassistant/#", c->id, c->host, c->port, cv_mosq.strerror(rc),
		 c->prefix);
out:
	cv_mosq.destroy(mq);
	cv_buf_free(&config);
	cv_buf_free(&event);
	cv_buf_free(&topic);
	cv_buf_free(&ctopic);
	return ret;
}
