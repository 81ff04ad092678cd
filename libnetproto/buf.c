/* buf.c: bounded reader and writer with sticky errors. */
#include <stdint.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>

void np_reader_init(struct np_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->pos = 0;
	r->err = 0;
}

size_t np_reader_left(const struct np_reader *r)
{
	return r->err ? 0 : r->len - r->pos;
}

int np_reader_error(const struct np_reader *r)
{
	return r->err;
}

void np_reader_fail(struct np_reader *r, int err)
{
	if (!r->err)
		r->err = err;
}

/* True when n more bytes can be read; otherwise records NP_ETRUNC. */
static int reader_has(struct np_reader *r, size_t n)
{
	if (r->err)
		return 0;
	if (n > r->len - r->pos) {
		r->err = NP_ETRUNC;
		return 0;
	}
	return 1;
}

struct np_reader np_reader_sub(struct np_reader *r, size_t n)
{
	struct np_reader sub;
	const uint8_t *p = np_read_bytes(r, n);

	np_reader_init(&sub, p, p ? n : 0);
	if (!p)
		sub.err = NP_ETRUNC;
	return sub;
}

void np_reader_seek(struct np_reader *r, size_t pos)
{
	if (r->err)
		return;
	if (pos > r->len) {
		r->err = NP_ETRUNC;
		return;
	}
	r->pos = pos;
}

void np_reader_skip(struct np_reader *r, size_t n)
{
	if (reader_has(r, n))
		r->pos += n;
}

uint8_t np_read_u8(struct np_reader *r)
{
	if (!reader_has(r, 1))
		return 0;
	return r->data[r->pos++];
}

uint16_t np_read_be16(struct np_reader *r)
{
	uint16_t v;

	if (!reader_has(r, 2))
		return 0;
	v = np_load_be16(r->data + r->pos);
	r->pos += 2;
	return v;
}

uint32_t np_read_be32(struct np_reader *r)
{
	uint32_t v;

	if (!reader_has(r, 4))
		return 0;
	v = np_load_be32(r->data + r->pos);
	r->pos += 4;
	return v;
}

const uint8_t *np_read_bytes(struct np_reader *r, size_t n)
{
	const uint8_t *p;

	if (!reader_has(r, n))
		return NULL;
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

void np_read_copy(struct np_reader *r, void *out, size_t n)
{
	const uint8_t *p = np_read_bytes(r, n);

	if (p)
		memcpy(out, p, n);
	else if (n)
		memset(out, 0, n);
}

const uint8_t *np_read_rest(struct np_reader *r, size_t *n)
{
	size_t left = np_reader_left(r);

	*n = left;
	return np_read_bytes(r, left);
}

void np_writer_init(struct np_writer *w, void *data, size_t cap)
{
	w->data = data;
	w->cap = data ? cap : 0;
	w->pos = 0;
	w->err = 0;
}

size_t np_writer_len(const struct np_writer *w)
{
	return w->pos;
}

int np_writer_error(const struct np_writer *w)
{
	return w->err;
}

void np_writer_fail(struct np_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

int np_writer_result(const struct np_writer *w)
{
	if (w->err)
		return w->err;
	if (w->pos > INT32_MAX)
		return NP_ENOSPC;
	return (int)w->pos;
}

/* True when n more bytes fit; otherwise records NP_ENOSPC. */
static int writer_has(struct np_writer *w, size_t n)
{
	if (w->err)
		return 0;
	if (n > w->cap - w->pos) {
		w->err = NP_ENOSPC;
		return 0;
	}
	return 1;
}

void np_write_u8(struct np_writer *w, uint8_t v)
{
	if (writer_has(w, 1))
		w->data[w->pos++] = v;
}

void np_write_be16(struct np_writer *w, uint16_t v)
{
	if (!writer_has(w, 2))
		return;
	np_store_be16(w->data + w->pos, v);
	w->pos += 2;
}

void np_write_be32(struct np_writer *w, uint32_t v)
{
	if (!writer_has(w, 4))
		return;
	np_store_be32(w->data + w->pos, v);
	w->pos += 4;
}

void np_write_bytes(struct np_writer *w, const void *src, size_t n)
{
	if (!n || !writer_has(w, n))
		return;
	memmove(w->data + w->pos, src, n);
	w->pos += n;
}

void np_write_zero(struct np_writer *w, size_t n)
{
	if (!n || !writer_has(w, n))
		return;
	memset(w->data + w->pos, 0, n);
	w->pos += n;
}

size_t np_write_reserve(struct np_writer *w, size_t n)
{
	size_t off = w->pos;

	if (!writer_has(w, n))
		return SIZE_MAX;
	memset(w->data + off, 0, n);
	w->pos += n;
	return off;
}

/* True when [off, off+n) lies inside what was written. */
static int writer_written(struct np_writer *w, size_t off, size_t n)
{
	if (w->err)
		return 0;
	if (off > w->pos || n > w->pos - off) {
		w->err = NP_EINVAL;
		return 0;
	}
	return 1;
}

void np_writer_patch_u8(struct np_writer *w, size_t off, uint8_t v)
{
	if (writer_written(w, off, 1))
		w->data[off] = v;
}

void np_writer_patch_be16(struct np_writer *w, size_t off, uint16_t v)
{
	if (writer_written(w, off, 2))
		np_store_be16(w->data + off, v);
}

void np_writer_patch_be32(struct np_writer *w, size_t off, uint32_t v)
{
	if (writer_written(w, off, 4))
		np_store_be32(w->data + off, v);
}

int np_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
