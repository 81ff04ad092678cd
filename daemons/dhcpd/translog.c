/*
 * translog.c: np-dhcpd's transaction log (see translog.h).
 */
#include "config.h"

#include "translog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"

#define TRANSLOG_BUF (256 * 1024)
#define TRANSLOG_LINE_MAX 2048

struct translog {
	char *path;                    /* NULL: the journal only */
	int fd;
	char *buf;
	size_t len;
	struct translog_stats st;
};

static void open_file(struct translog *t, const char *path)
{
	free(t->path);
	t->path = NULL;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (path == NULL || path[0] == '\0')
		return;
	t->path = strdup(path);
	/* O_APPEND: lines from one writer stay whole whatever else appends. */
	t->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0640);
	if (t->fd < 0) {
		t->st.reopen_errors++;
		np_log_err("transaction_log %s: %s; transactions go to the journal only", path,
			   strerror(errno));
	}
}

struct translog *translog_new(const char *path)
{
	struct translog *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->buf = malloc(TRANSLOG_BUF)) == NULL) {
		free(t);
		return NULL;
	}
	t->fd = -1;
	open_file(t, path);
	return t;
}

void translog_flush(struct translog *t)
{
	size_t off = 0;

	if (t == NULL || t->len == 0)
		return;
	while (t->fd >= 0 && off < t->len) {
		ssize_t n = write(t->fd, t->buf + off, t->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			t->st.write_errors++;
			/* Whole lines lost, counted; the next flush starts clean. */
			for (size_t i = off; i < t->len; i++)
				t->st.dropped += t->buf[i] == '\n';
			NP_LOG_RATELIMIT(NP_LOG_ERR, "transaction_log %s: write failed: %s",
					 t->path, n < 0 ? strerror(errno) : "short write");
			break;
		}
		off += (size_t)n;
	}
	t->len = 0;
}

void translog_reopen(struct translog *t, const char *path)
{
	if (t == NULL)
		return;
	translog_flush(t);
	open_file(t, path);
}

void translog_write(struct translog *t, const struct leasefmt_txn *txn)
{
	char line[TRANSLOG_LINE_MAX];
	int n;

	if (t == NULL)
		return;
	t->st.entries++;
	if (leasefmt_txn_text(txn, line, sizeof(line)) > 0)
		np_log_info("transaction %s", line);
	if (t->fd < 0)
		return;
	n = leasefmt_txn_json(txn, line, sizeof(line) - 1);
	if (n < 0)
		return;
	line[n++] = '\n';
	if (TRANSLOG_BUF - t->len < (size_t)n) {
		t->st.dropped++;
		return;
	}
	memcpy(t->buf + t->len, line, (size_t)n);
	t->len += (size_t)n;
	t->st.file_lines++;
	if (t->len > TRANSLOG_BUF / 2)
		translog_flush(t);
}

void translog_free(struct translog *t)
{
	if (t == NULL)
		return;
	translog_flush(t);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	free(t->buf);
	free(t);
}

const struct translog_stats *translog_get_stats(const struct translog *t)
{
	return &t->st;
}
