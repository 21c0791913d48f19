@ read32-arm PATH: read32.s for arm's EABI, the 32-bit programs an armhf userland runs on a Raspberry Pi's
@ arm64 kernel (tests/guest/arm64/): built with binutils alone (arm-linux-gnueabihf-as and -ld). Through
@ its syscalls it opens PATH, reads it to its end 4 KiB at a time, reads its first 4 KiB again (pread64),
@ maps and unmaps them (mmap2), sends them in a UDP datagram to 127.0.0.1:5004 (socket, sendto), closes
@ it; then opens it again with openat and closes it unread. Exits 0, or 1 on an error.
	.syntax	unified
	.arm
	.globl	_start
	.data
peer:	.short	2			@ struct sockaddr_in: AF_INET, port 5004 (big-endian), 127.0.0.1
	.byte	0x13, 0x8c, 127, 0, 0, 1
	.space	8
	.bss
buf:	.space	4096
	.text
_start:
	ldr	r8, [sp, #8]		@ argv[1]
	mov	r0, r8			@ open(path, O_RDONLY)
	mov	r1, #0
	mov	r7, #5
	svc	#0
	cmp	r0, #0
	blt	fail
	mov	r6, r0			@ the fd
1:	mov	r0, r6			@ read(fd, buf, 4096)
	ldr	r1, =buf
	mov	r2, #4096
	mov	r7, #3
	svc	#0
	cmp	r0, #0
	blt	fail
	bne	1b
	mov	r0, r6			@ pread64(fd, buf, 4096, 0): the offset in r4 and r5 (an even pair)
	ldr	r1, =buf
	mov	r2, #4096
	mov	r4, #0
	mov	r5, #0
	mov	r7, #180
	svc	#0
	cmp	r0, #4096
	bne	fail
	mov	r0, #0			@ mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0)
	mov	r1, #4096
	mov	r2, #1
	mov	r3, #2
	mov	r4, r6
	mov	r5, #0
	mov	r7, #192
	svc	#0
	cmn	r0, #4096		@ -errno (from 0xfffff001) carries out
	bcs	fail
	mov	r1, #4096		@ munmap(addr, 4096)
	mov	r7, #91
	svc	#0
	cmp	r0, #0
	bne	fail
	mov	r0, #2			@ socket(AF_INET, SOCK_DGRAM, 0)
	mov	r1, #2
	mov	r2, #0
	ldr	r7, =281
	svc	#0
	cmp	r0, #0
	blt	fail
	ldr	r1, =buf		@ sendto(the socket, buf, 4096, 0, &peer, 16)
	mov	r2, #4096
	mov	r3, #0
	ldr	r4, =peer
	mov	r5, #16
	ldr	r7, =290
	svc	#0
	cmp	r0, #4096
	bne	fail
	mov	r0, r6			@ close(fd)
	mov	r7, #6
	svc	#0
	cmp	r0, #0
	bne	fail
	mvn	r0, #99			@ openat(AT_FDCWD, path, O_RDONLY)
	mov	r1, r8
	mov	r2, #0
	ldr	r7, =322
	svc	#0
	cmp	r0, #0
	blt	fail
	mov	r7, #6			@ close(fd)
	svc	#0
	cmp	r0, #0
	bne	fail
	mov	r0, #0			@ exit(0)
	mov	r7, #1
	svc	#0
fail:
	mov	r0, #1			@ exit(1)
	mov	r7, #1
	svc	#0
