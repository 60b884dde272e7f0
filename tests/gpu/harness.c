/* A stand-alone app around one compiled model, for checking GPU code in a
   process of its own (a GPU runtime loaded beside the compiler's LLVM
   crashes, so generated code is never run inside atrousc for these checks).
   It reads the inputs from .npy files, calls NAME_run_arrays, times the
   calls and writes the outputs as .npy files.

   Build: cc -std=gnu11 -include DIR/NAME.h -DATROUS_MODEL=NAME -DATROUS_MODEL_UPPER=UPPER
          harness.c DIR/NAME.a atrous_runtime.a -lpthread -ldl -lm
   Usage: harness [-r REPEATS] IN.npy... -- DTYPE:OUT.npy...
          DTYPE is f4 or i4 (the output's element type, from the header).
   Prints "first_ms T" (the first call, with device set-up and kernel
   loading) and "run_ms T" (the median of REPEATS further calls). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if !defined(ATROUS_MODEL) || !defined(ATROUS_MODEL_UPPER)
#error "define ATROUS_MODEL and ATROUS_MODEL_UPPER and -include the model's header"
#endif

#define PASTE_(a, b) a##b
#define PASTE(a, b) PASTE_(a, b)
#define MODEL(suffix) PASTE(ATROUS_MODEL, suffix)
#define UPPER(suffix) PASTE(ATROUS_MODEL_UPPER, suffix)

#define MAX_PORTS 8
#if UPPER(_NUM_INPUTS) > MAX_PORTS || UPPER(_NUM_OUTPUTS) > MAX_PORTS
#error "the harness handles at most 8 inputs and 8 outputs"
#endif

struct port {
  int rank;
  const int64_t *shape;
  int64_t elements;
};

#define PORT(kind, KIND, i)                                                                        \
  { UPPER(_##KIND##i##_RANK), MODEL(_##kind##i##_shape), UPPER(_##KIND##i##_ELEMENTS) }

static const struct port inputs[MAX_PORTS] = {
#if UPPER(_NUM_INPUTS) > 0
    PORT(input, INPUT, 0),
#endif
#if UPPER(_NUM_INPUTS) > 1
    PORT(input, INPUT, 1),
#endif
#if UPPER(_NUM_INPUTS) > 2
    PORT(input, INPUT, 2),
#endif
#if UPPER(_NUM_INPUTS) > 3
    PORT(input, INPUT, 3),
#endif
#if UPPER(_NUM_INPUTS) > 4
    PORT(input, INPUT, 4),
#endif
#if UPPER(_NUM_INPUTS) > 5
    PORT(input, INPUT, 5),
#endif
#if UPPER(_NUM_INPUTS) > 6
    PORT(input, INPUT, 6),
#endif
#if UPPER(_NUM_INPUTS) > 7
    PORT(input, INPUT, 7),
#endif
};

static const struct port outputs[MAX_PORTS] = {
#if UPPER(_NUM_OUTPUTS) > 0
    PORT(output, OUTPUT, 0),
#endif
#if UPPER(_NUM_OUTPUTS) > 1
    PORT(output, OUTPUT, 1),
#endif
#if UPPER(_NUM_OUTPUTS) > 2
    PORT(output, OUTPUT, 2),
#endif
#if UPPER(_NUM_OUTPUTS) > 3
    PORT(output, OUTPUT, 3),
#endif
#if UPPER(_NUM_OUTPUTS) > 4
    PORT(output, OUTPUT, 4),
#endif
#if UPPER(_NUM_OUTPUTS) > 5
    PORT(output, OUTPUT, 5),
#endif
#if UPPER(_NUM_OUTPUTS) > 6
    PORT(output, OUTPUT, 6),
#endif
#if UPPER(_NUM_OUTPUTS) > 7
    PORT(output, OUTPUT, 7),
#endif
};

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "harness: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

/* Reads a little-endian, C-ordered f4 .npy file of exactly the port's shape. */
static float *readNpy(const char *path, const struct port *p) {
  unsigned char magic[10];
  unsigned headerLen;
  char *header, *shape, *cursor;
  float *data;
  int rank = 0;
  FILE *f = fopen(path, "rb");
  if (!f) fail("cannot open", path);
  if (fread(magic, 1, 10, f) != 10 || memcmp(magic, "\x93NUMPY", 6) != 0)
    fail("not a .npy file", path);
  headerLen = magic[8] | (unsigned)magic[9] << 8;
  if (magic[6] >= 2) {
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2) fail("truncated .npy header", path);
    headerLen |= (unsigned)more[0] << 16 | (unsigned)more[1] << 24;
  }
  header = calloc(headerLen + 1, 1);
  if (!header || fread(header, 1, headerLen, f) != headerLen) fail("truncated .npy header", path);
  if (!strstr(header, "'<f4'")) fail("input is not float32 little-endian", path);
  if (strstr(header, "'fortran_order': True")) fail("input is in Fortran order", path);
  shape = strstr(header, "'shape':");
  if (!shape || !(shape = strchr(shape, '('))) fail("no shape in .npy header", path);
  for (cursor = shape + 1; *cursor && *cursor != ')';) {
    char *end;
    long long dim = strtoll(cursor, &end, 10);
    if (end == cursor) break;
    if (rank >= p->rank || dim != p->shape[rank])
      fail("input shape differs from the model's", path);
    ++rank;
    cursor = end;
    while (*cursor == ',' || *cursor == ' ')
      ++cursor;
  }
  if (rank != p->rank) fail("input rank differs from the model's", path);
  free(header);
  data = malloc((size_t)p->elements * 4 + 1);
  if (!data || fread(data, 4, (size_t)p->elements, f) != (size_t)p->elements)
    fail("truncated .npy data", path);
  fclose(f);
  return data;
}

static void writeNpy(const char *path, const char *dtype, const struct port *p, const void *data) {
  char header[256], dims[160] = "";
  size_t len, padded;
  int d;
  FILE *f;
  for (d = 0; d < p->rank; ++d)
    snprintf(dims + strlen(dims), sizeof dims - strlen(dims), "%lld,%s", (long long)p->shape[d],
             d + 1 < p->rank ? " " : "");
  snprintf(header, sizeof header, "{'descr': '<%s', 'fortran_order': False, 'shape': (%s), }",
           dtype, dims);
  len = strlen(header);
  padded = (10 + len + 1 + 63) / 64 * 64 - 10;
  memset(header + len, ' ', padded - len - 1);
  header[padded - 1] = '\n';
  f = fopen(path, "wb");
  if (!f) fail("cannot write", path);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc((int)(padded & 0xff), f);
  fputc((int)(padded >> 8), f);
  fwrite(header, 1, padded, f);
  if (fwrite(data, 4, (size_t)p->elements, f) != (size_t)p->elements || fclose(f) != 0)
    fail("cannot write", path);
}

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void run(void **arrays) {
  int rc = MODEL(_run_arrays)(arrays);
  if (rc != ATROUS_OK) {
    fprintf(stderr, "harness: run failed with status %d: %s\n", rc, MODEL(_last_error)());
    exit(1);
  }
}

int main(int argc, char **argv) {
  void *arrays[2 * MAX_PORTS];
  const char *outPaths[MAX_PORTS], *outTypes[MAX_PORTS];
  double *times;
  int repeats = 0, arg = 1, nIn = 0, nOut = 0, i;
  double start;
  if (arg + 1 < argc && strcmp(argv[arg], "-r") == 0) {
    repeats = atoi(argv[arg + 1]);
    arg += 2;
  }
  for (; arg < argc && strcmp(argv[arg], "--") != 0; ++arg) {
    if (nIn >= UPPER(_NUM_INPUTS)) fail("too many inputs given", argv[arg]);
    arrays[nIn] = readNpy(argv[arg], &inputs[nIn]);
    ++nIn;
  }
  if (nIn != UPPER(_NUM_INPUTS)) fail("usage: harness [-r N] IN.npy... -- DTYPE:OUT.npy...", 0);
  for (++arg; arg < argc; ++arg) {
    if (nOut >= UPPER(_NUM_OUTPUTS)) fail("too many outputs given", argv[arg]);
    if (strncmp(argv[arg], "f4:", 3) != 0 && strncmp(argv[arg], "i4:", 3) != 0)
      fail("an output is DTYPE:PATH with DTYPE f4 or i4, got", argv[arg]);
    outTypes[nOut] = argv[arg][0] == 'f' ? "f4" : "i4";
    outPaths[nOut] = argv[arg] + 3;
    arrays[nIn + nOut] = calloc((size_t)outputs[nOut].elements, 4);
    if (!arrays[nIn + nOut]) fail("out of memory", 0);
    ++nOut;
  }
  if (nOut != UPPER(_NUM_OUTPUTS)) fail("usage: harness [-r N] IN.npy... -- DTYPE:OUT.npy...", 0);

  start = nowMs();
  run(arrays);
  printf("first_ms %.3f\n", nowMs() - start);
  if (repeats > 0) {
    times = malloc(sizeof *times * (size_t)repeats);
    if (!times) fail("out of memory", 0);
    for (i = 0; i < repeats; ++i) {
      start = nowMs();
      run(arrays);
      times[i] = nowMs() - start;
    }
    qsort(times, (size_t)repeats, sizeof *times, compareDoubles);
    printf("run_ms %.3f\n", times[repeats / 2]);
    free(times);
  }
  for (i = 0; i < nOut; ++i)
    writeNpy(outPaths[i], outTypes[i], &outputs[i], arrays[nIn + i]);
  for (i = 0; i < nIn + nOut; ++i)
    free(arrays[i]);
  return 0;
}
