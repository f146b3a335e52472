#!/usr/bin/env bash
# Debian packages the tests need: Virtuoso (a real triplestore), Chromium (the web pages' browser) and a CJK font
# (so that the web pages' screenshots show Chinese, not boxes).
missing=()
command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource)
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  echo "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba" | debconf-set-selections
  echo "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
