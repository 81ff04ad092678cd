/*
 * duid.c: the server DUID's file (see duid.h).
 */
#include "config.h"

#include "duid.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DUID_EPOCH 946684800           /* 2000-01-01 00:00:00 UTC (RFC 8415 §11.2) */

static int parse(const char *text, uint8_t *out, size_t *len)
{
	size_t k = 0;

	for (const char *s = text; *s != '\0' && *s != '\n';) {
		unsigned v;

		if (*s == ':') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    k == NP_DHCP6_DUID_MAX || sscanf(s, "%2x", &v) != 1)
			return -EINVAL;
		out[k++] = (uint8_t)v;
		s += 2;
	}
	if (k < 3)
		return -EINVAL;
	*len = k;
	return 0;
}

static int fsync_dir(const char *path)
{
	char copy[4096];
	int fd, err = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int store(const char *path, const uint8_t *duid, size_t len)
{
	char tmp[4096], text[NP_DHCP6_DUID_MAX * 3 + 2];
	size_t n = 0;
	int fd, err = 0;

	for (size_t i = 0; i < len; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, i + 1 < len ? "%02x:" : "%02x\n",
				      duid[i]);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0) {
		unlink(tmp);
		return err;
	}
	return fsync_dir(path);
}

int dhcpd_duid_load(const char *path, const uint8_t mac[6], time_t now,
		    uint8_t out[NP_DHCP6_DUID_MAX], size_t *len)
{
	char text[NP_DHCP6_DUID_MAX * 3 + 2];
	uint32_t t = now > DUID_EPOCH ? (uint32_t)(now - DUID_EPOCH) : 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		text[n] = '\0';
		return parse(text, out, len);
	}
	if (errno != ENOENT)
		return -errno;
	/* §11.2: DUID-LLT, hardware type 1 (Ethernet), time, link-layer address. */
	out[0] = 0;
	out[1] = NP_DHCP6_DUID_LLT;
	out[2] = 0;
	out[3] = 1;
	out[4] = (uint8_t)(t >> 24);
	out[5] = (uint8_t)(t >> 16);
	out[6] = (uint8_t)(t >> 8);
	out[7] = (uint8_t)t;
	memcpy(out + 8, mac, 6);
	*len = 14;
	return store(path, out, *len);
}
