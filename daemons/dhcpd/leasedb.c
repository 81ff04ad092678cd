/*
 * leasedb.c: append-only lease journal with group commit, snapshots and
 * torn-tail recovery.  The file format and the durability contract are in
 * leasedb.h.
 */
#include "leasedb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netproto/buf.h>
#include <netproto/error.h>

static const char leasedb_magic[8] = { 'N', 'P', 'D', 'H', 'C', 'P', 'L', 'S' };

/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78), as iSCSI and ext4 use. */
static const uint32_t crc32c_table[256] = {
	0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
	0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
	0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
	0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
	0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
	0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
	0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
	0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
	0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
	0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
	0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
	0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
	0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
	0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
	0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
	0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
	0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
	0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
	0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
	0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
	0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
	0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
	0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
	0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
	0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
	0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
	0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
	0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
	0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
	0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
	0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
	0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
	0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
	0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
	0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
	0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
	0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
	0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
	0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
	0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
	0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
	0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
	0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

uint32_t leasedb_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc32c_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- Record codec ------------------------------------------------------ */

static void write_be64(struct np_writer *w, int64_t v)
{
	np_write_be32(w, (uint32_t)((uint64_t)v >> 32));
	np_write_be32(w, (uint32_t)v);
}

static int64_t read_be64(struct np_reader *r)
{
	uint64_t hi = np_read_be32(r);

	return (int64_t)(hi << 32 | np_read_be32(r));
}

static int rec_valid(const struct leasedb_rec *rec)
{
	if (rec->type == LEASEDB_REC_LEASE6 && rec->duid_len > sizeof(rec->duid))
		return 0;
	if (rec->type != LEASEDB_REC_LEASE && rec->type != LEASEDB_REC_FREE &&
	    rec->type != LEASEDB_REC_LEASE6)
		return 0;
	if (rec->hlen > sizeof(rec->chaddr))
		return 0;
	return memchr(rec->hostname, '\0', rec->hostname_len) == NULL;
}

void leasedb_rec_of_lease(const struct lease_data *l, struct leasedb_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->addr = l->addr;
	if (l->state == LEASE_FREE) {
		rec->type = LEASEDB_REC_FREE;
		return;
	}
	rec->type = LEASEDB_REC_LEASE;
	rec->state = l->state;
	rec->start = l->start;
	rec->expire = l->expire;
	rec->htype = l->htype;
	rec->hlen = l->hlen;
	memcpy(rec->chaddr, l->chaddr, sizeof(rec->chaddr));
	rec->cid_len = l->cid_len;
	memcpy(rec->cid, l->cid, l->cid_len);
	rec->hostname_len = l->hostname_len;
	memcpy(rec->hostname, l->hostname, l->hostname_len);
}

void leasedb_rec_to_lease(const struct leasedb_rec *rec, struct lease_data *l)
{
	memset(l, 0, sizeof(*l));
	l->addr = rec->addr;
	if (rec->type == LEASEDB_REC_FREE)
		return;
	/* A lease record without a state is not a removal: lease_apply() refuses it. */
	l->state = rec->state != LEASE_FREE ? rec->state : UINT8_MAX;
	l->start = rec->start;
	l->expire = rec->expire;
	l->htype = rec->htype;
	l->hlen = rec->hlen;
	memcpy(l->chaddr, rec->chaddr, sizeof(l->chaddr));
	l->cid_len = rec->cid_len;
	memcpy(l->cid, rec->cid, rec->cid_len);
	l->hostname_len = rec->hostname_len;
	memcpy(l->hostname, rec->hostname, rec->hostname_len);
}

void leasedb_rec_of_lease6(const struct lease6_data *l, struct leasedb_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = LEASEDB_REC_LEASE6;
	rec->state = l->state;
	rec->kind6 = l->kind;
	rec->plen6 = l->plen;
	memcpy(rec->addr6, l->addr, 16);
	rec->iaid = l->iaid;
	rec->start = l->start;
	rec->preferred = l->preferred;
	rec->expire = l->expire;
	rec->duid_len = l->duid_len <= sizeof(rec->duid) ? l->duid_len : 0;
	memcpy(rec->duid, l->duid, rec->duid_len);
	rec->hostname_len = l->hostname_len;
	memcpy(rec->hostname, l->hostname, l->hostname_len);
}

void leasedb_rec_to_lease6(const struct leasedb_rec *rec, struct lease6_data *l)
{
	memset(l, 0, sizeof(*l));
	l->kind = rec->kind6;
	l->plen = rec->plen6;
	memcpy(l->addr, rec->addr6, 16);
	l->state = rec->state;
	l->iaid = rec->iaid;
	l->start = rec->start;
	l->preferred = rec->preferred;
	l->expire = rec->expire;
	l->duid_len = rec->duid_len;
	memcpy(l->duid, rec->duid, rec->duid_len);
	l->hostname_len = rec->hostname_len;
	memcpy(l->hostname, rec->hostname, rec->hostname_len);
}

/* The payload of a LEASEDB_REC_LEASE6 record, after its type octet. */
static void rec6_encode(struct np_writer *w, const struct leasedb_rec *rec)
{
	np_write_u8(w, rec->state);
	np_write_u8(w, rec->kind6);
	np_write_u8(w, rec->plen6);
	np_write_bytes(w, rec->addr6, 16);
	np_write_be32(w, rec->iaid);
	write_be64(w, rec->start);
	write_be64(w, rec->preferred);
	write_be64(w, rec->expire);
	np_write_u8(w, rec->duid_len);
	np_write_bytes(w, rec->duid, rec->duid_len);
	np_write_u8(w, rec->hostname_len);
	np_write_bytes(w, rec->hostname, rec->hostname_len);
}

static int rec6_decode(struct np_reader *r, struct leasedb_rec *rec)
{
	rec->state = np_read_u8(r);
	rec->kind6 = np_read_u8(r);
	rec->plen6 = np_read_u8(r);
	np_read_copy(r, rec->addr6, 16);
	rec->iaid = np_read_be32(r);
	rec->start = read_be64(r);
	rec->preferred = read_be64(r);
	rec->expire = read_be64(r);
	rec->duid_len = np_read_u8(r);
	if (rec->duid_len > sizeof(rec->duid))
		return NP_EBADLEN;
	np_read_copy(r, rec->duid, rec->duid_len);
	rec->hostname_len = np_read_u8(r);
	np_read_copy(r, rec->hostname, rec->hostname_len);
	if (np_reader_error(r) || np_reader_left(r) != 0)
		return NP_EBADLEN;
	if (memchr(rec->hostname, '\0', rec->hostname_len) != NULL)
		return NP_EFORMAT;
	return 0;
}

int leasedb_rec_encode(const struct leasedb_rec *rec, uint8_t *buf, size_t cap)
{
	struct np_writer w;
	size_t hdr;
	int len;

	if (!rec_valid(rec))
		return NP_EINVAL;
	np_writer_init(&w, buf, cap);
	hdr = np_write_reserve(&w, LEASEDB_FRAME_LEN);
	np_write_u8(&w, rec->type);
	if (rec->type == LEASEDB_REC_LEASE6) {
		rec6_encode(&w, rec);
		goto framed;
	}
	np_write_u8(&w, rec->state);
	np_write_be32(&w, rec->addr);
	write_be64(&w, rec->start);
	write_be64(&w, rec->expire);
	np_write_u8(&w, rec->htype);
	np_write_u8(&w, rec->hlen);
	np_write_bytes(&w, rec->chaddr, rec->hlen);
	np_write_u8(&w, rec->cid_len);
	np_write_bytes(&w, rec->cid, rec->cid_len);
	np_write_u8(&w, rec->hostname_len);
	np_write_bytes(&w, rec->hostname, rec->hostname_len);
framed:
	len = np_writer_result(&w);
	if (len < 0)
		return len;
	np_writer_patch_be32(&w, hdr, (uint32_t)(len - LEASEDB_FRAME_LEN));
	/* The CRC covers the length too, so a flipped length never verifies. */
	np_writer_patch_be32(&w, hdr + 4,
			     leasedb_crc32c(leasedb_crc32c(0, buf, 4), buf + LEASEDB_FRAME_LEN,
					    (size_t)len - LEASEDB_FRAME_LEN));
	return len;
}

static int rec_decode_payload(const uint8_t *p, size_t n, struct leasedb_rec *rec)
{
	struct np_reader r;

	np_reader_init(&r, p, n);
	memset(rec, 0, sizeof(*rec));
	rec->type = np_read_u8(&r);
	if (rec->type == LEASEDB_REC_LEASE6)
		return rec6_decode(&r, rec);
	rec->state = np_read_u8(&r);
	rec->addr = np_read_be32(&r);
	rec->start = read_be64(&r);
	rec->expire = read_be64(&r);
	rec->htype = np_read_u8(&r);
	rec->hlen = np_read_u8(&r);
	if (rec->hlen > sizeof(rec->chaddr))
		return NP_EBADLEN;
	np_read_copy(&r, rec->chaddr, rec->hlen);
	rec->cid_len = np_read_u8(&r);
	np_read_copy(&r, rec->cid, rec->cid_len);
	rec->hostname_len = np_read_u8(&r);
	np_read_copy(&r, rec->hostname, rec->hostname_len);
	if (np_reader_error(&r) || np_reader_left(&r) != 0)
		return NP_EBADLEN;
	if (rec->type != LEASEDB_REC_LEASE && rec->type != LEASEDB_REC_FREE)
		return NP_ETYPE;
	if (memchr(rec->hostname, '\0', rec->hostname_len) != NULL)
		return NP_EFORMAT;
	return 0;
}

int leasedb_rec_decode(const uint8_t *buf, size_t len, struct leasedb_rec *out)
{
	struct leasedb_rec rec;
	uint32_t plen, crc;
	int err;

	if (len < LEASEDB_FRAME_LEN)
		return NP_ETRUNC;
	plen = np_load_be32(buf);
	if (plen == 0 || plen > LEASEDB_PAYLOAD_MAX)
		return NP_EBADLEN;
	if (len - LEASEDB_FRAME_LEN < plen)
		return NP_ETRUNC;
	crc = leasedb_crc32c(leasedb_crc32c(0, buf, 4), buf + LEASEDB_FRAME_LEN, plen);
	if (crc != np_load_be32(buf + 4))
		return NP_ECSUM;
	err = rec_decode_payload(buf + LEASEDB_FRAME_LEN, plen, &rec);
	if (err < 0)
		return err;
	*out = rec;
	return (int)(LEASEDB_FRAME_LEN + plen);
}

/* ---- Headers ------------------------------------------------------------ */

static void hdr_encode(uint8_t hdr[LEASEDB_HDR_LEN], enum leasedb_kind kind, uint64_t gen)
{
	memcpy(hdr, leasedb_magic, sizeof(leasedb_magic));
	np_store_be16(hdr + 8, LEASEDB_VERSION);
	np_store_be16(hdr + 10, (uint16_t)kind);
	np_store_be32(hdr + 12, (uint32_t)(gen >> 32));
	np_store_be32(hdr + 16, (uint32_t)gen);
	np_store_be32(hdr + 20, leasedb_crc32c(0, hdr, 20));
}

static int hdr_decode(const uint8_t *p, size_t len, enum leasedb_kind kind, uint64_t *gen)
{
	if (len < LEASEDB_HDR_LEN || memcmp(p, leasedb_magic, sizeof(leasedb_magic)) != 0)
		return -EBADMSG;
	if (np_load_be32(p + 20) != leasedb_crc32c(0, p, 20))
		return -EBADMSG;
	if (np_load_be16(p + 8) != LEASEDB_VERSION)
		return -EPROTONOSUPPORT;
	if (np_load_be16(p + 10) != kind)
		return -EBADMSG;
	*gen = (uint64_t)np_load_be32(p + 12) << 32 | np_load_be32(p + 16);
	return 0;
}

/* ---- Store ---------------------------------------------------------------- */

struct leasedb {
	char *path;                 /* journal */
	char *snap_path;
	char *tmp_path;
	char *dir_path;
	int fd;                     /* journal, O_RDWR */
	uint64_t generation;
	uint64_t committed_off;     /* journal size covered by the last sync */
	uint8_t *buf;               /* pending records, framed */
	size_t buf_len, buf_cap;
	size_t npending;
	uint64_t seq_next;          /* sequence number of the next append */
	uint64_t seq_durable;
	bool broken;                /* a sync failed: no commit until compaction */
	bool snap_present;          /* a snapshot file was there at open */
	struct leasedb_stats st;
	struct leasedb_recovery rcv;
	char *journal_kept, *snapshot_kept;
};

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

static char *str_concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *s;

	if (slash == NULL)
		return str_concat(".", "");
	n = slash == path ? 1 : (size_t)(slash - path);
	s = malloc(n + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, path, n);
	s[n] = '\0';
	return s;
}

static void db_free(struct leasedb *db)
{
	if (db == NULL)
		return;
	if (db->fd >= 0)
		close(db->fd);
	free(db->path);
	free(db->snap_path);
	free(db->tmp_path);
	free(db->dir_path);
	free(db->journal_kept);
	free(db->snapshot_kept);
	free(db->buf);
	free(db);
}

static struct leasedb *db_new(const char *path)
{
	struct leasedb *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	db->fd = -1;
	db->seq_next = 1;
	db->path = str_concat(path, "");
	db->snap_path = str_concat(path, ".snapshot");
	db->tmp_path = str_concat(path, ".tmp");
	db->dir_path = dir_of(path);
	if (db->path == NULL || db->snap_path == NULL || db->tmp_path == NULL ||
	    db->dir_path == NULL) {
		db_free(db);
		return NULL;
	}
	return db;
}

/*
 * Replay the records of data[off..len) to fn.  *good_end is where the last
 * record that verified ends; corrupt octets between good records are
 * skipped and counted in *skipped.
 */
static int replay_records(const uint8_t *data, size_t len, size_t off, leasedb_replay_fn fn,
			  void *arg, uint64_t *count, uint64_t *skipped, size_t *good_end)
{
	struct leasedb_rec rec;

	*good_end = off;
	while (off < len) {
		int n = leasedb_rec_decode(data + off, len - off, &rec);
		size_t next;

		if (n < 0) {
			/* Look for the next record that verifies (media damage). */
			for (next = off + 1; next < len; next++) {
				n = leasedb_rec_decode(data + next, len - next, &rec);
				if (n > 0)
					break;
			}
			if (next >= len)
				return 0;   /* nothing valid follows: a torn tail */
			*skipped += next - off;
			off = next;
		}
		if (fn != NULL) {
			int rc = fn(arg, &rec);

			if (rc != 0)
				return rc;
		}
		(*count)++;
		off += (size_t)n;
		*good_end = off;
	}
	return 0;
}

/* Map a whole file read-only; *data is NULL for an empty file. */
static int map_file(int fd, const uint8_t **data, size_t *len)
{
	struct stat sb;
	void *p;

	if (fstat(fd, &sb) < 0)
		return -errno;
	*len = (size_t)sb.st_size;
	*data = NULL;
	if (sb.st_size == 0)
		return 0;
	p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*data = p;
	return 0;
}

/*
 * Whether a file whose header does not verify is a damaged lease store
 * (recovered) rather than some other file named by mistake (refused, never
 * overwritten): the magic is there but for an octet or two, or the first
 * record after the header verifies.  An empty file holds nothing to lose.
 */
static bool looks_like_store(const uint8_t *data, size_t len)
{
	struct leasedb_rec rec;
	unsigned differ = 0;

	if (len == 0)
		return true;
	if (len >= sizeof(leasedb_magic)) {
		for (size_t i = 0; i < sizeof(leasedb_magic); i++)
			differ += data[i] != (uint8_t)leasedb_magic[i];
		if (differ <= 2)
			return true;
	}
	return len > LEASEDB_HDR_LEN &&
	       leasedb_rec_decode(data + LEASEDB_HDR_LEN, len - LEASEDB_HDR_LEN, &rec) > 0;
}

/*
 * Copy a damaged file to PATH.damaged-YYYYMMDDTHHMMSS (UTC) for inspection
 * before recovery replaces it; *kept is the name.  Failing to keep the copy
 * fails the open: the damaged file is never the only loser.
 */
static int keep_copy(struct leasedb *db, const char *path, const uint8_t *data, size_t len,
		     char **kept)
{
	char stamp[32], *name;
	time_t now = time(NULL);
	struct tm tm;
	size_t cap;
	int fd = -1, err = 0;

	if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	cap = strlen(path) + sizeof(".damaged-") + strlen(stamp) + 8;
	name = malloc(cap);
	if (name == NULL)
		return -ENOMEM;
	for (int i = 0; i < 100 && fd < 0; i++) {
		if (i == 0)
			snprintf(name, cap, "%s.damaged-%s", path, stamp);
		else
			snprintf(name, cap, "%s.damaged-%s-%d", path, stamp, i);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		err = -errno;
	if (err == 0 && len > 0)
		err = write_all(fd, data, len, 0);
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err == 0)
		err = fsync_dir(db->dir_path);
	if (err != 0) {
		if (fd >= 0)
			unlink(name);
		free(name);
		return err;
	}
	free(*kept);
	*kept = name;
	return 0;
}

/*
 * Replay the snapshot.  A damaged header or damaged records are recovered
 * from (leasedb.h): every record that verifies is replayed.
 */
static int load_snapshot(struct leasedb *db, leasedb_replay_fn fn, void *arg)
{
	const uint8_t *data;
	size_t len, end;
	uint64_t skipped = 0;
	int fd, err;

	fd = open(db->snap_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = map_file(fd, &data, &len);
	close(fd);
	if (err < 0)
		return err;
	db->snap_present = true;
	err = hdr_decode(data, len, LEASEDB_SNAPSHOT, &db->generation);
	if (err == -EBADMSG && looks_like_store(data, len)) {
		db->rcv.damage |= LEASEDB_SNAPSHOT_HEADER_DAMAGED;
		db->generation = 0;
		err = 0;
	} else if (err == 0) {
		db->rcv.snapshot_generation = db->generation;
	}
	if (err == 0 && len > LEASEDB_HDR_LEN)
		err = replay_records(data, len, LEASEDB_HDR_LEN, fn, arg,
				     &db->st.snapshot_records, &skipped, &end);
	else
		end = len;
	/* A snapshot is renamed into place only once complete and synced. */
	if (err == 0 && (skipped != 0 || end != len)) {
		db->rcv.damage |= LEASEDB_SNAPSHOT_RECORDS_DAMAGED;
		db->rcv.snapshot_lost_bytes = skipped + (len - end);
	}
	if (err == 0 && (db->rcv.damage & (LEASEDB_SNAPSHOT_HEADER_DAMAGED |
					   LEASEDB_SNAPSHOT_RECORDS_DAMAGED)))
		err = keep_copy(db, db->snap_path, data, len, &db->snapshot_kept);
	if (data != NULL)
		munmap((void *)data, len);
	return err;
}

/* Write a file holding only a header of kind, via tmp + rename. */
static int create_empty(struct leasedb *db, const char *path, enum leasedb_kind kind)
{
	uint8_t hdr[LEASEDB_HDR_LEN];
	int fd, err;

	fd = open(db->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	hdr_encode(hdr, kind, db->generation);
	err = write_all(fd, hdr, sizeof(hdr), 0);
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	close(fd);
	if (err == 0 && rename(db->tmp_path, path) < 0)
		err = -errno;
	if (err == 0)
		return fsync_dir(db->dir_path);
	unlink(db->tmp_path);
	return err;
}

static int open_journal_fd(struct leasedb *db)
{
	int fd = open(db->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (db->fd >= 0)
		close(db->fd);
	db->fd = fd;
	return 0;
}

/* Replace the journal by an empty one of the current generation. */
static int fresh_journal(struct leasedb *db)
{
	int err = create_empty(db, db->path, LEASEDB_JOURNAL);

	if (err == 0)
		err = open_journal_fd(db);
	if (err == 0)
		db->committed_off = LEASEDB_HDR_LEN;
	return err;
}

/*
 * The journal's header does not verify: its generation is unknown.  It is
 * the snapshot's or the one before (leasedb.h), so its records are replayed
 * over the snapshot; the file is kept aside and left untouched, and commits
 * wait for the compaction that replaces it.
 */
static int load_damaged_journal(struct leasedb *db, const uint8_t *data, size_t len,
				leasedb_replay_fn fn, void *arg)
{
	size_t end = len;
	int err = 0;

	db->rcv.damage |= LEASEDB_JOURNAL_HEADER_DAMAGED;
	if (len > LEASEDB_HDR_LEN)
		err = replay_records(data, len, LEASEDB_HDR_LEN, fn, arg, &db->st.journal_records,
				     &db->st.skipped_bytes, &end);
	if (err == 0 && end < len)
		db->st.torn_bytes = len - end;
	if (err == 0)
		err = keep_copy(db, db->path, data, len, &db->journal_kept);
	db->committed_off = len;
	db->broken = true;
	return err;
}

/* A journal header that verifies, against the snapshot's generation. */
static void check_generation(struct leasedb *db, uint64_t gen)
{
	db->rcv.journal_generation = gen;
	if (db->rcv.damage & LEASEDB_SNAPSHOT_HEADER_DAMAGED) {
		db->generation = gen;   /* the snapshot's own is unreadable */
		return;
	}
	if (gen > db->generation) {
		/* The snapshot of generation gen is gone (or an older one stands in). */
		if (db->snap_present || gen > 0)
			db->rcv.damage |= LEASEDB_SNAPSHOT_MISSING;
		db->generation = gen;
	}
}

/* Replay the journal; a torn tail is cut off and the cut made durable. */
static int load_journal(struct leasedb *db, leasedb_replay_fn fn, void *arg)
{
	const uint8_t *data;
	size_t len, end = LEASEDB_HDR_LEN;
	uint64_t gen;
	int err;

	err = map_file(db->fd, &data, &len);
	if (err < 0)
		return err;
	if (len < LEASEDB_HDR_LEN && (data == NULL || memcmp(data, leasedb_magic,
			   len < sizeof(leasedb_magic) ? len : sizeof(leasedb_magic)) == 0)) {
		/* Empty, or a crash while the very first header was written. */
		if (data != NULL)
			munmap((void *)data, len);
		if (db->snap_present)
			db->rcv.damage |= LEASEDB_JOURNAL_MISSING;
		return fresh_journal(db);
	}
	err = hdr_decode(data, len, LEASEDB_JOURNAL, &gen);
	if (err == -EBADMSG && looks_like_store(data, len)) {
		err = load_damaged_journal(db, data, len, fn, arg);
		munmap((void *)data, len);
		return err;
	}
	if (err == 0)
		check_generation(db, gen);
	if (err == 0 && gen == db->generation)
		err = replay_records(data, len, LEASEDB_HDR_LEN, fn, arg, &db->st.journal_records,
				     &db->st.skipped_bytes, &end);
	if (err == 0 && db->st.skipped_bytes > 0) {
		/* Media damage between good records: keep it for inspection. */
		db->rcv.damage |= LEASEDB_JOURNAL_RECORDS_DAMAGED;
		err = keep_copy(db, db->path, data, len, &db->journal_kept);
	}
	if (data != NULL)
		munmap((void *)data, len);
	if (err != 0)
		return err;
	if (gen < db->generation) {
		/* Left by a crash inside compaction: the snapshot holds all of it. */
		return fresh_journal(db);
	}
	if (end < len) {
		db->st.torn_bytes = len - end;
		if (ftruncate(db->fd, (off_t)end) < 0 || fsync(db->fd) < 0)
			return -errno;
	}
	db->committed_off = end;
	return 0;
}

/* Replay one file of kind read-only; *gen its generation (0 when its header is damaged). */
static int read_file(const char *path, enum leasedb_kind kind, uint64_t min_gen,
		     leasedb_replay_fn fn, void *arg, uint64_t *gen, bool *present)
{
	const uint8_t *data;
	size_t len, end;
	uint64_t count = 0, skipped = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	*gen = 0;
	*present = fd >= 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = map_file(fd, &data, &len);
	close(fd);
	if (err < 0 || data == NULL)
		return err;
	if (hdr_decode(data, len, kind, gen) < 0)
		*gen = 0;
	if (*gen >= min_gen && len > LEASEDB_HDR_LEN)
		err = replay_records(data, len, LEASEDB_HDR_LEN, fn, arg, &count, &skipped, &end);
	munmap((void *)data, len);
	return err;
}

int leasedb_read(const char *path, leasedb_replay_fn fn, void *arg)
{
	char *snap = str_concat(path, ".snapshot");
	uint64_t snap_gen, gen;
	bool snap_present, journal_present;
	int err;

	if (snap == NULL)
		return -ENOMEM;
	err = read_file(snap, LEASEDB_SNAPSHOT, 0, fn, arg, &snap_gen, &snap_present);
	free(snap);
	if (err == 0)
		err = read_file(path, LEASEDB_JOURNAL, snap_gen, fn, arg, &gen, &journal_present);
	if (err == 0 && !snap_present && !journal_present)
		err = -ENOENT;
	return err;
}

int leasedb_open(const char *path, leasedb_replay_fn fn, void *arg, struct leasedb **out)
{
	struct leasedb *db = db_new(path);
	int err;

	if (db == NULL)
		return -ENOMEM;
	err = load_snapshot(db, fn, arg);
	if (err == 0) {
		db->fd = open(db->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
		if (db->fd < 0)
			err = -errno;
	}
	if (err == 0)
		err = load_journal(db, fn, arg);
	if (err != 0) {
		db_free(db);
		return err;
	}
	/*
	 * Any damage but a missing journal leaves files that the next open
	 * would find damaged again: nothing is committed until a compaction
	 * has rewritten both from what was recovered.
	 */
	if (db->rcv.damage & ~(unsigned)LEASEDB_JOURNAL_MISSING)
		db->broken = true;
	db->rcv.journal_kept = db->journal_kept;
	db->rcv.snapshot_kept = db->snapshot_kept;
	db->rcv.must_compact = db->broken;
	*out = db;
	return 0;
}

void leasedb_close(struct leasedb *db)
{
	uint64_t durable;

	if (db == NULL)
		return;
	(void)leasedb_commit(db, &durable);
	db_free(db);
}

int64_t leasedb_append(struct leasedb *db, const struct leasedb_rec *rec)
{
	int n;

	if (db->broken)
		return -EIO;
	if (db->buf_cap - db->buf_len < LEASEDB_REC_MAX) {
		size_t cap = db->buf_cap ? db->buf_cap * 2 : 64 * 1024;
		uint8_t *p = realloc(db->buf, cap);

		if (p == NULL)
			return -ENOMEM;
		db->buf = p;
		db->buf_cap = cap;
	}
	n = leasedb_rec_encode(rec, db->buf + db->buf_len, db->buf_cap - db->buf_len);
	if (n < 0)
		return -EINVAL;
	db->buf_len += (size_t)n;
	db->npending++;
	return (int64_t)db->seq_next++;
}

int64_t leasedb_append_lease(struct leasedb *db, const struct lease_data *l)
{
	struct leasedb_rec rec;

	leasedb_rec_of_lease(l, &rec);
	return leasedb_append(db, &rec);
}

int64_t leasedb_append_lease6(struct leasedb *db, const struct lease6_data *l)
{
	struct leasedb_rec rec;

	leasedb_rec_of_lease6(l, &rec);
	return leasedb_append(db, &rec);
}

size_t leasedb_pending(const struct leasedb *db)
{
	return db->npending;
}

static void drop_pending(struct leasedb *db)
{
	db->buf_len = 0;
	db->npending = 0;
}

int leasedb_commit(struct leasedb *db, uint64_t *durable)
{
	int err;

	if (db->npending == 0 && !db->broken) {
		*durable = db->seq_durable;
		return 0;
	}
	if (db->broken) {
		drop_pending(db);
		return -EIO;
	}
	err = write_all(db->fd, db->buf, db->buf_len, db->committed_off);
	if (err == 0 && fdatasync(db->fd) < 0) {
		err = -errno;
		/* Dirty pages may be gone (fsyncgate): trust nothing until compaction. */
		db->broken = true;
	}
	if (err != 0) {
		/* Best effort: keep the journal free of records nobody will ACK. */
		if (ftruncate(db->fd, (off_t)db->committed_off) < 0)
			db->broken = true;
		drop_pending(db);
		return err;
	}
	db->committed_off += db->buf_len;
	db->st.journal_records += db->npending;
	db->st.commits++;
	db->seq_durable = db->seq_next - 1;
	drop_pending(db);
	*durable = db->seq_durable;
	return 0;
}

/* Stream the leases of fn into the open file fd after its header. */
static int write_snapshot_records(int fd, leasedb_iter_fn fn, void *arg, uint64_t *count)
{
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = malloc(CHUNK);
	struct leasedb_rec rec;
	uint64_t off = LEASEDB_HDR_LEN;
	size_t used = 0;
	int err = 0, more;

	if (buf == NULL)
		return -ENOMEM;
	while (err == 0 && (more = fn(arg, &rec)) > 0) {
		int n;

		if (CHUNK - used < LEASEDB_REC_MAX) {
			err = write_all(fd, buf, used, off);
			off += used;
			used = 0;
		}
		n = leasedb_rec_encode(&rec, buf + used, CHUNK - used);
		if (n < 0)
			err = -EINVAL;
		else
			used += (size_t)n;
		(*count)++;
	}
	if (err == 0)
		err = write_all(fd, buf, used, off);
	free(buf);
	return err;
}

static int write_snapshot(struct leasedb *db, uint64_t gen, leasedb_iter_fn fn, void *arg,
			  uint64_t *count)
{
	uint8_t hdr[LEASEDB_HDR_LEN];
	int fd, err;

	fd = open(db->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	hdr_encode(hdr, LEASEDB_SNAPSHOT, gen);
	err = write_all(fd, hdr, sizeof(hdr), 0);
	if (err == 0)
		err = write_snapshot_records(fd, fn, arg, count);
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	close(fd);
	if (err == 0 && rename(db->tmp_path, db->snap_path) < 0)
		err = -errno;
	if (err != 0) {
		unlink(db->tmp_path);
		return err;
	}
	return fsync_dir(db->dir_path);
}

int leasedb_compact(struct leasedb *db, leasedb_iter_fn fn, void *arg, uint64_t *durable)
{
	uint64_t count = 0;
	int err;

	err = write_snapshot(db, db->generation + 1, fn, arg, &count);
	if (err != 0)
		return err;   /* the old snapshot and journal still hold everything */
	/*
	 * The new snapshot is in place: from here the old journal is ignored at
	 * start-up, so appending to it would lose leases.  Until a new journal
	 * exists, refuse commits.
	 */
	db->generation++;
	db->broken = true;
	drop_pending(db);
	db->seq_durable = db->seq_next - 1;
	db->st.snapshot_records = count;
	db->st.journal_records = 0;
	err = fresh_journal(db);
	if (err != 0)
		return err;
	db->broken = false;
	*durable = db->seq_durable;
	return 0;
}

void leasedb_get_stats(const struct leasedb *db, struct leasedb_stats *st)
{
	*st = db->st;
	st->journal_bytes = db->committed_off;
	st->generation = db->generation;
}

const struct leasedb_recovery *leasedb_recovery(const struct leasedb *db)
{
	return &db->rcv;
}

int leasedb_journal_fd(const struct leasedb *db)
{
	return db->fd;
}
