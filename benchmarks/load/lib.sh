# Shell helpers of the load tests; source it. The caller defines die.

# free_port prints a free localhost port: the first of a few random ones
# nobody answers on, below the usual ephemeral range (32768-60999) so that
# no outgoing connection takes it meanwhile.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found"
}
