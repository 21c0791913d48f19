# int80 PATH: a 64-bit program that reads PATH to its end, 4 KiB at a time, through the 32-bit syscall
# gate (int $0x80, i386 numbers), then exits 0 (1 on an error). For the access tests
# (tests/guest/access-workload.sh): the kernel takes such syscalls as compat ones although the program is
# 64-bit, so the probes must tell them by the syscall (TS_COMPAT), not by the program. Built with binutils
# alone (as, ld: static, not position-independent, so that its buffers have 32-bit addresses).
	.include "read-to-end.s"
	.globl	_start
	.bss
path:	.space	4096
buf:	.space	4096
	.text
_start:
	movq	16(%rsp), %rsi		# argv[1]: on the stack, above 4 GiB; copied into path
	leaq	path(%rip), %rdi
	movl	$4095, %ecx
1:	movb	(%rsi), %al
	movb	%al, (%rdi)
	incq	%rsi
	incq	%rdi
	testb	%al, %al
	loopnz	1b
	read_to_end $path
	movl	$6, %eax		# close(fd)
	movl	%esi, %ebx
	int	$0x80
	testl	%eax, %eax
	jnz	fail
	movl	$60, %eax		# exit(0), the 64-bit way
	xorl	%edi, %edi
	syscall
fail:
	movl	$60, %eax
	movl	$1, %edi
	syscall
