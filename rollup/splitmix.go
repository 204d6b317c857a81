package rollup

// SplitMix64 is a small, fast pseudo-random generator (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014) with a fully specified output stream. The
// forecast uses it instead of math/rand so that a seed gives the same trials on every Go
// version and platform, which is what makes golden forecast numbers possible.
//
// The zero value is a generator seeded with 0. A SplitMix64 is not safe for concurrent use.
type SplitMix64 struct {
	state uint64
}

// NewSplitMix64 returns a generator whose stream is determined by seed alone.
func NewSplitMix64(seed uint64) *SplitMix64 {
	return &SplitMix64{state: seed}
}

// Next returns the next 64 pseudo-random bits. Seed 0 yields 0xe220a8397b1dcdaf,
// 0x6e789e6aa1b965f4, 0x06c45d188009454f, ...
func (r *SplitMix64) Next() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// IntN returns a pseudo-random int in [0, n), as Next() % n: one draw per call, with a modulo
// bias of at most n/2⁶⁴, which is negligible for the history lengths a forecast samples from.
// Like math/rand/v2's IntN it panics if n <= 0, a programming error.
func (r *SplitMix64) IntN(n int) int {
	if n <= 0 {
		panic("rollup: SplitMix64.IntN: n <= 0")
	}
	return int(r.Next() % uint64(n))
}

// Float64 returns a pseudo-random float64 in [0, 1) built from the top 53 bits of Next.
func (r *SplitMix64) Float64() float64 {
	return float64(r.Next()>>11) / (1 << 53)
}
