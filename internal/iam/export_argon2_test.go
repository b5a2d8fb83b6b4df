package iam

import "golang.org/x/crypto/argon2"

// Argon2Slots is the process-wide cap on concurrent argon2id computations.
func Argon2Slots() int { return cap(argon2Slots) }

// SetArgon2IDKey replaces the argon2id function until restore is called;
// the tests use it to count computations and how many run at once.
func SetArgon2IDKey(f func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte) (restore func()) {
	argon2IDKey = f
	return func() { argon2IDKey = argon2.IDKey }
}

// TakeArgon2Slots holds every slot and every request admission, as busy
// requests would, until release is called.
func TakeArgon2Slots() (release func()) {
	for range cap(argon2Slots) {
		argon2Slots <- struct{}{}
		argon2Requests <- struct{}{}
	}
	return func() {
		for range cap(argon2Slots) {
			<-argon2Slots
			<-argon2Requests
		}
	}
}
