// Original file: proto/cohort/v1/bulk.proto

/**
 * How n float32 values are laid out in a payload.
 * 
 * F32:  n little-endian IEEE-754 binary32 values; P = 4n.
 * INT8 and FP16: blocks of B = 1024 values (the last holds the n mod 1024 rest, if any). Each
 * block is a scale s (little-endian binary32, finite, >= 0) followed by its m values:
 * INT8: m bytes, each a two's-complement integer q in [-127, 127] (-128 is refused);
 * value = float32(s * q);                          P = 4 * ceil(n / 1024) + n
 * FP16: m little-endian IEEE-754 binary16 values h, each finite;
 * value = float32(s * h);                          P = 4 * ceil(n / 1024) + 2n
 * float32(x) is x rounded to binary32, round to nearest even; s * q and s * h are computed
 * exactly (or in binary64) before that one rounding. A value that is not finite is refused.
 * Senders choose s per block (Cohort: s = max |x| / 127 for INT8 and max |x| / 32768 for
 * FP16) and round x / s to the grid with unbiased stochastic rounding (to either
 * neighbour, with probability proportional to closeness), so E[value] = x.
 */
export const TensorEncoding = {
  TENSOR_ENCODING_UNSPECIFIED: 'TENSOR_ENCODING_UNSPECIFIED',
  TENSOR_ENCODING_F32: 'TENSOR_ENCODING_F32',
  TENSOR_ENCODING_INT8: 'TENSOR_ENCODING_INT8',
  TENSOR_ENCODING_FP16: 'TENSOR_ENCODING_FP16',
} as const;

/**
 * How n float32 values are laid out in a payload.
 * 
 * F32:  n little-endian IEEE-754 binary32 values; P = 4n.
 * INT8 and FP16: blocks of B = 1024 values (the last holds the n mod 1024 rest, if any). Each
 * block is a scale s (little-endian binary32, finite, >= 0) followed by its m values:
 * INT8: m bytes, each a two's-complement integer q in [-127, 127] (-128 is refused);
 * value = float32(s * q);                          P = 4 * ceil(n / 1024) + n
 * FP16: m little-endian IEEE-754 binary16 values h, each finite;
 * value = float32(s * h);                          P = 4 * ceil(n / 1024) + 2n
 * float32(x) is x rounded to binary32, round to nearest even; s * q and s * h are computed
 * exactly (or in binary64) before that one rounding. A value that is not finite is refused.
 * Senders choose s per block (Cohort: s = max |x| / 127 for INT8 and max |x| / 32768 for
 * FP16) and round x / s to the grid with unbiased stochastic rounding (to either
 * neighbour, with probability proportional to closeness), so E[value] = x.
 */
export type TensorEncoding =
  | 'TENSOR_ENCODING_UNSPECIFIED'
  | 0
  | 'TENSOR_ENCODING_F32'
  | 1
  | 'TENSOR_ENCODING_INT8'
  | 2
  | 'TENSOR_ENCODING_FP16'
  | 3

/**
 * How n float32 values are laid out in a payload.
 * 
 * F32:  n little-endian IEEE-754 binary32 values; P = 4n.
 * INT8 and FP16: blocks of B = 1024 values (the last holds the n mod 1024 rest, if any). Each
 * block is a scale s (little-endian binary32, finite, >= 0) followed by its m values:
 * INT8: m bytes, each a two's-complement integer q in [-127, 127] (-128 is refused);
 * value = float32(s * q);                          P = 4 * ceil(n / 1024) + n
 * FP16: m little-endian IEEE-754 binary16 values h, each finite;
 * value = float32(s * h);                          P = 4 * ceil(n / 1024) + 2n
 * float32(x) is x rounded to binary32, round to nearest even; s * q and s * h are computed
 * exactly (or in binary64) before that one rounding. A value that is not finite is refused.
 * Senders choose s per block (Cohort: s = max |x| / 127 for INT8 and max |x| / 32768 for
 * FP16) and round x / s to the grid with unbiased stochastic rounding (to either
 * neighbour, with probability proportional to closeness), so E[value] = x.
 */
export type TensorEncoding__Output = typeof TensorEncoding[keyof typeof TensorEncoding]
