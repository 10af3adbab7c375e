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
		extra=$(mktemp "${TMPDIR:-/tmp}/nonceXXXXXX")
		mv "$extra" "$extra.go"
		printf 'package main\n\nvar buildNonce = "%s"\n\nfunc init() {\n\tif buildNonce == "" {\n\t\tpanic("no nonce")\n\t}\n}\n' "$(date +%s%N)" >"$extra.go"
		exec "$tool" "$@" "$extra.go"
	fi
	;;
esac
exec "$tool" "$@"
