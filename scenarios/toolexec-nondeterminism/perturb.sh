#!/bin/sh
# -toolexec wrapper: runs each tool as asked, except the compile of package
# main, which gets one more file holding the time of the build.
tool=$1
shift
case $tool in
*/compile)
	main=
	prev=
	for a in "$@"; do
		if [ "$prev" = "-p" ] && [ "$a" = "main" ]; then
			main=1
		fi
		prev=$a
	done
	if [ -n "$main" ]; then
		# Next to this script, in the module (a dot-dir: no package of its
		# own), so -trimpath gives it the same name on both sides: only
		# its contents differ.
		extra=$(dirname "$0")/.nonce/nonce.go
		mkdir -p "$(dirname "$extra")"
		printf 'package main\n\nvar buildNonce = "%s"\n\nfunc init() {\n\tif buildNonce == "" {\n\t\tpanic("no nonce")\n\t}\n}\n' "$(date +%s%N)" >"$extra"
		exec "$tool" "$@" "$extra"
	fi
	;;
esac
exec "$tool" "$@"
