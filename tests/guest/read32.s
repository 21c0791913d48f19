# read32 PATH: reads PATH to its end through 32-bit (i386) syscalls, 4 KiB at a time, and exits 0 (1 on an
# error). A 32-bit program for the access tests (tests/guest/access-workload.sh), built with binutils alone
# (as --32, ld -m elf_i386): no 32-bit C library needed.
	.globl	_start
	.bss
buf:	.space	4096
	.text
_start:
	movl	8(%esp), %ebx		# argv[1]
	movl	$5, %eax		# open(path, O_RDONLY)
	xorl	%ecx, %ecx
	int	$0x80
	testl	%eax, %eax
	js	fail
	movl	%eax, %esi		# the fd
1:	movl	$3, %eax		# read(fd, buf, 4096)
	movl	%esi, %ebx
	movl	$buf, %ecx
	movl	$4096, %edx
	int	$0x80
	testl	%eax, %eax
	js	fail
	jnz	1b
	movl	$6, %eax		# close(fd)
	movl	%esi, %ebx
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
