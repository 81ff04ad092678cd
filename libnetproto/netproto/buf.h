/*
 * netproto/buf.h: bounded reader and writer, the only pointer arithmetic in
 * libnetproto.
 *
 * A read past the end, or a write past the capacity, sets a sticky error
 * (NP_ETRUNC or NP_ENOSPC) and returns 0 / does nothing; later calls keep
 * failing the same way, so a decoder reads a whole structure and checks
 * np_reader_error() once at the end (Knot DNS's wire_ctx does the same).
 */
#ifndef NETPROTO_BUF_H
#define NETPROTO_BUF_H

#include <stddef.h>
#include <stdint.h>

struct np_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
	int err;            /* 0 or the first NP_E* code */
};

struct np_writer {
	uint8_t *data;
	size_t cap;
	size_t pos;
	int err;            /* 0 or the first NP_E* code */
};

void np_reader_init(struct np_reader *r, const void *data, size_t len);
/* A reader over the next n bytes of r, which skips them (NP_ETRUNC if short). */
struct np_reader np_reader_sub(struct np_reader *r, size_t n);
size_t np_reader_left(const struct np_reader *r);
int np_reader_error(const struct np_reader *r);
/* Record err unless an error is already recorded. */
void np_reader_fail(struct np_reader *r, int err);
/* Move to an absolute offset within the buffer (NP_ETRUNC past the end). */
void np_reader_seek(struct np_reader *r, size_t pos);
void np_reader_skip(struct np_reader *r, size_t n);

uint8_t np_read_u8(struct np_reader *r);
uint16_t np_read_be16(struct np_reader *r);
uint32_t np_read_be32(struct np_reader *r);
/* A pointer to the next n bytes, which are skipped; NULL when fewer remain. */
const uint8_t *np_read_bytes(struct np_reader *r, size_t n);
/* Copy the next n bytes into out (zeroed when fewer remain). */
void np_read_copy(struct np_reader *r, void *out, size_t n);
/* A pointer to the unread rest, which is consumed. */
const uint8_t *np_read_rest(struct np_reader *r, size_t *n);

void np_writer_init(struct np_writer *w, void *data, size_t cap);
size_t np_writer_len(const struct np_writer *w);
int np_writer_error(const struct np_writer *w);
void np_writer_fail(struct np_writer *w, int err);
/* Bytes written so far, or the writer's error when there is one. */
int np_writer_result(const struct np_writer *w);

void np_write_u8(struct np_writer *w, uint8_t v);
void np_write_be16(struct np_writer *w, uint16_t v);
void np_write_be32(struct np_writer *w, uint32_t v);
void np_write_bytes(struct np_writer *w, const void *src, size_t n);
void np_write_zero(struct np_writer *w, size_t n);
/*
 * Reserve n bytes to be filled later (lengths, checksums); returns their
 * offset, or SIZE_MAX on error.
 */
size_t np_write_reserve(struct np_writer *w, size_t n);
/* Overwrite bytes already written (e.g. a length or checksum placeholder). */
void np_writer_patch_u8(struct np_writer *w, size_t off, uint8_t v);
void np_writer_patch_be16(struct np_writer *w, size_t off, uint16_t v);
void np_writer_patch_be32(struct np_writer *w, size_t off, uint32_t v);

/* Host-order helpers for fixed-size fields that are not in a reader. */
static inline uint16_t np_load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t np_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void np_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void np_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The value of one hex digit of either case (0..15), or -1: for text forms. */
int np_hex_digit(char c);

#endif
