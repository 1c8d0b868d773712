/* ggml's own quantization and dequantization, from the libggml-base.so that node-llama-cpp ships: the
 * independent reference for src/model/dequantize.ts and the quantizer for the GGUF files the tests write.
 *   ggmlReference dequantize TYPE VALUES   < blocks > f32 values
 *   ggmlReference quantize TYPE ROWS ROW   < f32 values > blocks
 * TYPE is ggml's type number. The library is opened at run time (argv's LIBGGML environment variable); the
 * struct of type traits is declared here as ggml.h declares it, and checked against its row size. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*to_float_t)(const void *x, float *y, int64_t k);
struct type_traits {
  const char *type_name;
  int64_t blck_size;
  int64_t blck_size_interleave;
  size_t type_size;
  bool is_quantized;
  to_float_t to_float;
  void *from_float_ref;
};
typedef const struct type_traits *(*get_traits_t)(int type);
typedef size_t (*quantize_chunk_t)(int type, const float *src, void *dst, int64_t start, int64_t nrows, int64_t n_per_row, const float *imatrix);
typedef size_t (*row_size_t)(int type, int64_t ne);
typedef void (*quantize_init_t)(int type);

static void *read_all(size_t *size) {
  size_t cap = 1 << 20, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    size_t got = fread(buf + n, 1, cap - n, stdin);
    if (got == 0) break;
    n += got;
  }
  *size = n;
  return buf;
}

int main(int argc, char **argv) {
  const char *lib = getenv("LIBGGML");
  if (!lib || argc < 4) { fprintf(stderr, "usage: LIBGGML=... ggmlReference dequantize|quantize TYPE ...\n"); return 2; }
  void *h = dlopen(lib, RTLD_NOW);
  if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
  get_traits_t traits_of = (get_traits_t)dlsym(h, "ggml_get_type_traits");
  quantize_chunk_t quantize = (quantize_chunk_t)dlsym(h, "ggml_quantize_chunk");
  row_size_t row_size = (row_size_t)dlsym(h, "ggml_row_size");
  if (!traits_of || !quantize || !row_size) { fprintf(stderr, "symbols missing\n"); return 2; }
  int type = atoi(argv[2]);
  const struct type_traits *t = traits_of(type);
  /* the declared layout must match the library's: its row size of one block is type_size */
  if ((size_t)row_size(type, t->blck_size) != t->type_size) { fprintf(stderr, "type traits layout differs from this build's\n"); return 3; }
  size_t size;
  void *in = read_all(&size);
  if (strcmp(argv[1], "dequantize") == 0) {
    int64_t values = atoll(argv[3]);
    if (size != (size_t)(values / t->blck_size) * t->type_size) { fprintf(stderr, "%zu bytes for %lld values of %s\n", size, (long long)values, t->type_name); return 4; }
    float *out = malloc(values * sizeof(float));
    t->to_float(in, out, values);
    fwrite(out, sizeof(float), values, stdout);
    return 0;
  }
  if (strcmp(argv[1], "quantize") == 0 && argc >= 5) {
    int64_t rows = atoll(argv[3]), per_row = atoll(argv[4]);
    if (size != (size_t)(rows * per_row) * sizeof(float)) { fprintf(stderr, "%zu bytes for %lld x %lld floats\n", size, (long long)rows, (long long)per_row); return 4; }
    size_t bytes = row_size(type, per_row) * rows;
    void *out = malloc(bytes);
    size_t wrote = quantize(type, (const float *)in, out, 0, rows, per_row, NULL);
    if (wrote != bytes) { fprintf(stderr, "quantize wrote %zu of %zu bytes\n", wrote, bytes); return 5; }
    fwrite(out, 1, bytes, stdout);
    return 0;
  }
  fprintf(stderr, "unknown command %s\n", argv[1]);
  return 2;
}
