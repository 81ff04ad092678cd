/*
 * connect-time.c: the kernel's own handshake time, for bench/tcpprobe.
 *
 *   connect-time HOST-ADDR PORT COUNT INTERVAL-US
 *
 * Times a blocking connect() (it returns once the SYN-ACK is in and the
 * ACK sent), COUNT times, and prints per line the call's time and the
 * kernel's own RTT sample of that handshake (TCP_INFO tcpi_rtt: from the
 * SYN leaving TCP to the SYN-ACK being processed, the first RTT sample
 * sets srtt, RFC 6298 2.2), both in milliseconds.  The socket is made
 * before the clock starts; SO_LINGER 0 closes with RST afterwards so no
 * TIME-WAIT piles up here.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct linger lg = { 1, 0 };
	int i, count;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: connect-time ADDR PORT COUNT INTERVAL-US\n");
		return 2;
	}
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	count = atoi(argv[3]);
	for (i = 0; i < count; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		double t0, t1;
		struct tcp_info ti;
		socklen_t tilen = sizeof(ti);

		if (fd < 0)
			return 2;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		t0 = now_ms();
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			perror("connect");
			close(fd);
			continue;
		}
		t1 = now_ms();
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tilen) < 0)
			ti.tcpi_rtt = 0;
		close(fd);
		printf("%.6f %.3f\n", t1 - t0, ti.tcpi_rtt / 1e3);
		usleep((useconds_t)atoi(argv[4]));
	}
	return 0;
}
