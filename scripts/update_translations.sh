#!/usr/bin/env sh
# Extract the interface strings into translations/messages.pot and merge them into the catalogues.
# Then translate the new entries in translations/{da,sv}/LC_MESSAGES/messages.po (tests fail on any left).
set -eu
cd "$(dirname "$0")/.."
pybabel -q extract -F babel.cfg --ignore-dirs=".* __pycache__ vendor" -k _l -k lazy_gettext --add-comments=i18n: --sort-by-file \
  --project=council-course --copyright-holder="council-course developers" --msgid-bugs-address="" \
  -o translations/messages.pot course
for locale in da sv en; do
  if [ -f "translations/$locale/LC_MESSAGES/messages.po" ]; then
    pybabel -q update --no-fuzzy-matching -i translations/messages.pot -d translations -l "$locale"
  else
    pybabel -q init -i translations/messages.pot -d translations -l "$locale"
  fi
done
