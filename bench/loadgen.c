/*
 * Closed-loop HTTP/1.1 load generator for `npm run bench` (built on first use with cc).
 *
 *   loadgen <requests> <host> <port> <connections> <warmup seconds> <seconds>
 *
 * <requests> holds raw requests, each as "<byte length>\n<bytes>". The connections are opened
 * once and kept for the warm-up and the measured window, so the measurement never includes
 * connection setup; each connection sends the next request of the file (round robin over all
 * connections, wrapping at the end) as soon as its previous response is complete. Latency is
 * per request, from writing it to reading the last byte of its response. It writes "measure"
 * and "end" lines to stderr as the measured window opens and closes, so that the caller can
 * read the server's CPU time and memory at those moments, and prints one JSON line. With
 * LOADGEN_DUMP set to a file name, it also writes there one line per measured request: when
 * it ended (ms into the window), its latency, its connection and its request's index, to see
 * whether slow requests come together in time or on some connections.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  const char *data;
  size_t len;
} request;

typedef struct {
  int fd;
  const request *req;
  size_t sent;
  double started;
  char *buf;
  size_t used, cap;
} conn;

static request *requests;
static size_t request_count, next_request, wrapped;
static double *latencies;
static size_t latency_count, latency_cap;
static size_t non2xx, errors, completed;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(2);
}

static void load_requests(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die("open requests");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  rewind(f);
  char *all = malloc(size + 1);
  if (!all || fread(all, 1, size, f) != (size_t)size) die("read requests");
  fclose(f);
  size_t cap = 1024;
  requests = malloc(cap * sizeof(request));
  for (char *p = all; p < all + size;) {
    char *end;
    size_t len = strtoul(p, &end, 10);
    if (end == p || *end != '\n') break;
    if (request_count == cap) requests = realloc(requests, (cap *= 2) * sizeof(request));
    requests[request_count].data = end + 1;
    requests[request_count].len = len;
    request_count++;
    p = end + 1 + len;
  }
  if (request_count == 0) {
    fprintf(stderr, "no requests in %s\n", path);
    exit(2);
  }
}

static int open_connection(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Writes as much of the current request as the socket takes; returns -1 on error. */
static int send_some(conn *c) {
  while (c->sent < c->req->len) {
    ssize_t n = send(c->fd, c->req->data + c->sent, c->req->len - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    c->sent += n;
  }
  return 0;
}

static void start_request(conn *c) {
  c->req = &requests[next_request++];
  if (next_request == request_count) {
    next_request = 0;
    wrapped++;
  }
  c->sent = 0;
  c->used = 0;
  c->started = now_ms();
  if (send_some(c) < 0) errors++;
}

/* Length of a complete response at the start of the buffer, 0 while incomplete; sets status. */
static size_t response_length(conn *c, int *status) {
  char *head_end = memmem(c->buf, c->used, "\r\n\r\n", 4);
  if (!head_end) return 0;
  size_t head = head_end - c->buf + 4;
  *status = c->used > 12 ? atoi(c->buf + 9) : 0;
  long content_length = -1;
  int chunked = 0;
  for (char *line = memchr(c->buf, '\n', head); line && line < c->buf + head; line = memchr(line + 1, '\n', c->buf + head - line - 1)) {
    char *field = line + 1;
    if (strncasecmp(field, "content-length:", 15) == 0) content_length = strtol(field + 15, NULL, 10);
    if (strncasecmp(field, "transfer-encoding:", 18) == 0 && memmem(field, 40, "chunked", 7)) chunked = 1;
  }
  if (!chunked) {
    size_t total = head + (content_length > 0 ? content_length : 0);
    return c->used >= total ? total : 0;
  }
  size_t at = head;
  for (;;) {
    char *line_end = memmem(c->buf + at, c->used - at, "\r\n", 2);
    if (!line_end) return 0;
    size_t size = strtoul(c->buf + at, NULL, 16);
    at = line_end - c->buf + 2;
    if (size == 0) {
      char *trailer_end = memmem(c->buf + at - 2, c->used - at + 2, "\r\n\r\n", 4);
      return trailer_end ? (size_t)(trailer_end - c->buf + 4) : 0;
    }
    if (c->used < at + size + 2) return 0;
    at += size + 2;
  }
}

static void record(double latency) {
  if (latency_count == latency_cap) {
    latency_cap = latency_cap ? latency_cap * 2 : 65536;
    latencies = realloc(latencies, latency_cap * sizeof(double));
  }
  latencies[latency_count++] = latency;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double p) {
  if (latency_count == 0) return 0;
  size_t rank = (size_t)(p / 100.0 * latency_count + 0.5);
  if (rank < 1) rank = 1;
  if (rank > latency_count) rank = latency_count;
  return latencies[rank - 1];
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: loadgen <requests> <host> <port> <connections> <warmup s> <seconds>\n");
    return 2;
  }
  load_requests(argv[1]);
  const char *host = argv[2];
  int port = atoi(argv[3]);
  int connections = atoi(argv[4]);
  double warmup = atof(argv[5]) * 1000, seconds = atof(argv[6]) * 1000;

  int ep = epoll_create1(0);
  conn *cs = calloc(connections, sizeof(conn));
  for (int i = 0; i < connections; i++) {
    cs[i].fd = open_connection(host, port);
    cs[i].cap = 65536;
    cs[i].buf = malloc(cs[i].cap);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  for (int i = 0; i < connections; i++) start_request(&cs[i]);

  FILE *dump = getenv("LOADGEN_DUMP") ? fopen(getenv("LOADGEN_DUMP"), "w") : NULL;
  double begin = now_ms(), measure_from = begin + warmup, measure_to = measure_from + seconds;
  int in_flight = connections, opened = 0, closed = 0;
  struct epoll_event events[256];
  while (in_flight > 0) {
    double now = now_ms();
    if (!opened && now >= measure_from) {
      opened = 1;
      fprintf(stderr, "measure\n");
    }
    if (!closed && now >= measure_to) {
      closed = 1;
      fprintf(stderr, "end\n");
    }
    if (now > measure_to + 10000) break;
    int n = epoll_wait(ep, events, 256, 5);
    for (int e = 0; e < n; e++) {
      conn *c = events[e].data.ptr;
      if (c->sent < c->req->len && send_some(c) < 0) errors++;
      for (;;) {
        if (c->cap - c->used < 16384) c->buf = realloc(c->buf, c->cap *= 2);
        ssize_t got = recv(c->fd, c->buf + c->used, c->cap - c->used, MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN)) {
          fprintf(stderr, "loadgen: the server closed a connection\n");
          errors++;
          return 1;
        }
        if (got < 0) break;
        c->used += got;
      }
      int status = 0;
      size_t length = response_length(c, &status);
      if (length == 0) continue;
      double done = now_ms();
      if (c->started >= measure_from && done <= measure_to) {
        record(done - c->started);
        if (dump) fprintf(dump, "%.3f %.3f %d %d\n", done - measure_from, done - c->started, c->fd, (int)(c->req - requests));
        completed++;
        if (status < 200 || status > 299) non2xx++;
      }
      if (done < measure_to) {
        start_request(c);
      } else {
        in_flight--;
      }
    }
  }
  // Every connection may finish in the batch that crosses the end of the window (a server
  // that paused with all requests in flight), leaving the loop before the line above.
  if (!closed) fprintf(stderr, "end\n");
  if (dump) fclose(dump);
  qsort(latencies, latency_count, sizeof(double), compare);
  printf("{\"requests\":%zu,\"rps\":%.1f,\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f,\"non2xx\":%zu,\"errors\":%zu,\"wrapped\":%zu}\n",
         completed, completed / (seconds / 1000), percentile(50), percentile(90), percentile(99), percentile(100), non2xx, errors, wrapped);
  return 0;
}
