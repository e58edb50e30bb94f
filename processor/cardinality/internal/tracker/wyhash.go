package tracker

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// wyhash (final v4, public domain, github.com/wangyi-fudan/wyhash) over a string: the same
// algorithm as the Go runtime's non-AES fallback. It is about twice as fast as hash/maphash
// on this workload (short keys and values; maphash's AES path dominated the profile) and,
// with a random per-process seed, just as unpredictable to whoever sends the labels.
const (
	wyp0 = 0xa0761d6478bd642f
	wyp1 = 0xe7037ed1a0b428db
	wyp2 = 0x8ebc6af09c88c6e3
	wyp3 = 0x589965cc75374cc3
)

func wymum(a, b uint64) (uint64, uint64) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi
}

func wymix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func r4(p []byte, i int) uint64 { return uint64(binary.LittleEndian.Uint32(p[i:])) }
func r8(p []byte, i int) uint64 { return binary.LittleEndian.Uint64(p[i:]) }

func wyhash(s string, seed uint64) uint64 {
	p := unsafe.Slice(unsafe.StringData(s), len(s))
	n := len(p)
	seed ^= wymix(seed^wyp0, wyp1)
	var a, b uint64
	switch {
	case n <= 16:
		if n >= 4 {
			q := (n >> 3) << 2
			a = r4(p, 0)<<32 | r4(p, q)
			b = r4(p, n-4)<<32 | r4(p, n-4-q)
		} else if n > 0 {
			a = uint64(p[0])<<16 | uint64(p[n>>1])<<8 | uint64(p[n-1])
		}
	default:
		i, o := n, 0
		if i >= 48 {
			see1, see2 := seed, seed
			for i >= 48 {
				seed = wymix(r8(p, o)^wyp1, r8(p, o+8)^seed)
				see1 = wymix(r8(p, o+16)^wyp2, r8(p, o+24)^see1)
				see2 = wymix(r8(p, o+32)^wyp3, r8(p, o+40)^see2)
				o += 48
				i -= 48
			}
			seed ^= see1 ^ see2
		}
		for i > 16 {
			seed = wymix(r8(p, o)^wyp1, r8(p, o+8)^seed)
			o += 16
			i -= 16
		}
		a, b = r8(p, o+i-16), r8(p, o+i-8)
	}
	a, b = wymum(a^wyp1, b^seed)
	return wymix(a^wyp0^uint64(n), b^wyp1)
}
