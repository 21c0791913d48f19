# read_to_end PATH_ADDR: the open and read loop read32.s and int80.s share, i386 syscalls through
# int $0x80 (in 64-bit code too: the registers are 32-bit and the buffer's address fits). Opens the
# file at PATH_ADDR (an operand for movl: 8(%esp), $path) read-only, reads it to its end 4 KiB at a time
# into buf, and leaves its fd in %esi; jumps to fail on an error.
	.macro	read_to_end path
	movl	$5, %eax		# open(path, O_RDONLY)
	movl	\path, %ebx
	xorl	%ecx, %ecx
	int	$0x80
	testl	%eax, %eax
	js	fail
	movl	%eax, %esi		# the fd
.Lread\@:
	movl	$3, %eax		# read(fd, buf, 4096)
	movl	%esi, %ebx
	movl	$buf, %ecx
	movl	$4096, %edx
	int	$0x80
	testl	%eax, %eax
	js	fail
	jnz	.Lread\@
	.endm
