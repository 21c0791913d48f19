# read32 PATH: a 32-bit program for the access tests (tests/guest/access-workload.sh), built with binutils
# alone (as --32, ld -m elf_i386): no 32-bit C library needed. Through i386 syscalls it opens PATH, reads it
# to its end 4 KiB at a time, reads its first 4 KiB again (pread64), maps and unmaps them (mmap2), sends
# them in a UDP datagram to 127.0.0.1:5004 through socketcall (as Debian's i386 glibc sends), closes it;
# then opens it again with openat and closes it unread. Exits 0, or 1 on an error.
	.include "read-to-end.s"
	.globl	_start
	.data
peer:	.short	2			# struct sockaddr_in: AF_INET, port 5004 (big-endian), 127.0.0.1
	.byte	0x13, 0x8c, 127, 0, 0, 1
	.space	8
sock_args:				# socket(AF_INET, SOCK_DGRAM, 0)
	.long	2, 2, 0
send_args:				# sendto(the socket, buf, 4096, 0, &peer, 16)
	.long	-1, buf, 4096, 0, peer, 16
	.bss
buf:	.space	4096
	.text
_start:
	read_to_end 8(%esp)		# argv[1]
	movl	%esi, %ebx		# pread64(fd, buf, 4096, 0): the offset in esi (low) and edi (high)
	movl	$180, %eax
	movl	$buf, %ecx
	movl	$4096, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	int	$0x80
	movl	%ebx, %esi
	cmpl	$4096, %eax
	jne	fail
	movl	$192, %eax		# mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0)
	xorl	%ebx, %ebx
	movl	$4096, %ecx
	movl	$1, %edx
	movl	%esi, %edi
	movl	$2, %esi
	xorl	%ebp, %ebp
	int	$0x80
	movl	%edi, %esi
	cmpl	$-4096, %eax
	ja	fail
	movl	%eax, %ebx		# munmap(addr, 4096)
	movl	$91, %eax
	movl	$4096, %ecx
	int	$0x80
	testl	%eax, %eax
	jnz	fail
	movl	$102, %eax		# socketcall(SYS_SOCKET, sock_args)
	movl	$1, %ebx
	movl	$sock_args, %ecx
	int	$0x80
	testl	%eax, %eax
	js	fail
	movl	%eax, send_args
	movl	$102, %eax		# socketcall(SYS_SENDTO, send_args)
	movl	$11, %ebx
	movl	$send_args, %ecx
	int	$0x80
	cmpl	$4096, %eax
	jne	fail
	movl	$6, %eax		# close(fd)
	movl	%esi, %ebx
	int	$0x80
	testl	%eax, %eax
	jnz	fail
	movl	$295, %eax		# openat(AT_FDCWD, path, O_RDONLY)
	movl	$-100, %ebx
	movl	8(%esp), %ecx
	xorl	%edx, %edx
	int	$0x80
	testl	%eax, %eax
	js	fail
	movl	%eax, %ebx		# close(fd)
	movl	$6, %eax
	int	$0x80
	testl	%eax, %eax
	jnz	fail
	movl	$1, %eax		# exit(0)
	xorl	%ebx, %ebx
	int	$0x80
fail:
	movl	$1, %eax		# exit(1)
	movl	$1, %ebx
	int	$0x80
