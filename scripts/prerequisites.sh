#!/usr/bin/env bash
# What the local stack needs besides the .NET SDK, found and (with --install) set up. Shared by ./eventledger,
# .ci/run and the test fixture, so all three agree on what "present" means.
#
#   scripts/prerequisites.sh --check     exit 0 when everything is there; otherwise say what is missing and the one
#                                        command that installs it, exit 1
#   scripts/prerequisites.sh --install   install what is missing, then exit 0; exit 1 (with the one command to run)
#                                        when it may not install
#   source scripts/prerequisites.sh      defines java_ok, node_ok, postgres_ok, node_modules_ok, … and runs nothing
#
# What it looks for:
#   Java 17+            $JAVA_HOME/bin/java, else java on PATH           (DynamoDB Local)       apt: openjdk-17-jre-headless
#   Node 18+ with npm   node and npm on PATH                             (npm ci)               apt: nodejs npm
#   PostgreSQL server   initdb and postgres: pg_config --bindir, /usr/lib/postgresql/*/bin,   apt: postgresql
#                       /usr/pgsql-*/bin, /usr/local/pgsql/bin, PATH     (the private PostgreSQL)
#   node_modules        installed by `npm ci` and not older than package-lock.json
# A configured EVENTLEDGER_DYNAMODB_ENDPOINT makes Java unnecessary, a configured EVENTLEDGER_POSTGRES PostgreSQL. Node
# and node_modules hold DynamoDB Local and the AWS emulator (fauxqs), so they are needed unless both are configured
# (EVENTLEDGER_DYNAMODB_ENDPOINT and EVENTLEDGER_AWS_ENDPOINT).
#
# Installing: apt-get as root, or through sudo. When a person is at the terminal (stdin is a TTY and CI is not
# "true") it asks first; otherwise it installs as root or with passwordless sudo without asking, and else stops with
# the command to run. `npm ci` always runs as the calling user.
#
# PREREQUISITES_ROOT (tests only) is prefixed to the system directories searched for PostgreSQL, so a test can hide
# this machine's installation; the script otherwise uses bash built-ins and the programs it probes, so a test can run it
# with a PATH of fake programs.

readonly PREREQ_JAVA_MIN=17
readonly PREREQ_NODE_MIN=18
PREREQ_REPO="$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)"

# ---- detection -------------------------------------------------------------------------------------------------

java_cmd() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java 2>/dev/null
  fi
}

# The major version: "1.8.0_392" is 8, "17.0.15" is 17, "21" is 21; empty when java is missing or says nothing readable.
java_major() {
  local java out version resolved release line
  java="$(java_cmd)" || return 0
  # A JDK's release file says JAVA_VERSION without starting a JVM (a third of a second each time).
  if resolved="$(readlink -f "$java" 2>/dev/null)" && release="${resolved%/bin/*}/release" && [ -f "$release" ]; then
    while read -r line; do
      [[ $line == JAVA_VERSION=* ]] && out="version ${line#JAVA_VERSION=}" && break
    done < "$release"
  fi
  [ -n "${out:-}" ] || out="$("$java" -version 2>&1)" || true
  [[ $out =~ version\ \"([0-9]+)(\.([0-9]+))? ]] || return 0
  version="${BASH_REMATCH[1]}"
  [ "$version" = 1 ] && version="${BASH_REMATCH[3]}"
  echo "$version"
}

java_ok() {
  local major
  major="$(java_major)"
  [ -n "$major" ] && [ "$major" -ge "$PREREQ_JAVA_MIN" ]
}

node_major() {
  local out
  command -v node >/dev/null 2>&1 || return 0
  out="$(node --version 2>/dev/null)" || return 0
  [[ $out =~ ^v?([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

node_ok() {
  local major
  major="$(node_major)"
  [ -n "$major" ] && [ "$major" -ge "$PREREQ_NODE_MIN" ] && command -v npm >/dev/null 2>&1
}

# The directory holding initdb and postgres, searched like the embedded stack does (src/EventLedger.EmbeddedStack/PostgresBinaries.cs).
postgres_bindir() {
  local root="${PREREQUISITES_ROOT:-}" dir candidates=()
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null)" && [ -n "$dir" ] && candidates+=("$dir")
  fi
  local pattern
  for pattern in "$root/usr/lib/postgresql/"*/bin "$root/usr/pgsql-"*/bin "$root/usr/local/pgsql/bin"; do
    candidates+=("$pattern")
  done
  dir="$(command -v initdb 2>/dev/null)" && candidates+=("${dir%/*}")
  for dir in "${candidates[@]}"; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

postgres_ok() { postgres_bindir >/dev/null; }

# npm ci leaves node_modules/.package-lock.json; older than package-lock.json means the pins changed since.
node_modules_ok() {
  local installed="$PREREQ_REPO/node_modules/.package-lock.json"
  [ -f "$installed" ] && ! [ "$PREREQ_REPO/package-lock.json" -nt "$installed" ]
}

needs_dynamodb_local() { [ -z "${EVENTLEDGER_DYNAMODB_ENDPOINT:-}" ]; }
needs_node_modules() { needs_dynamodb_local || [ -z "${EVENTLEDGER_AWS_ENDPOINT:-}" ]; }
needs_postgres() { [ -z "${EVENTLEDGER_POSTGRES:-}" ]; }

# The first OpenJDK 17+ runtime this system's package lists know (Debian 12 and Ubuntu have 17, Debian 13 has 21).
java_package() {
  local package
  if command -v apt-cache >/dev/null 2>&1; then
    for package in openjdk-17-jre-headless openjdk-21-jre-headless openjdk-25-jre-headless; do
      if apt-cache show "$package" >/dev/null 2>&1; then
        echo "$package"
        return
      fi
    done
  fi
  echo openjdk-17-jre-headless
}

# Fills the arrays missing (what, for people) and packages (for apt-get).
prerequisites_missing() {
  missing=()
  packages=()
  local major
  if needs_dynamodb_local && ! java_ok; then
    major="$(java_major)"
    if [ -n "$major" ]; then missing+=("Java $PREREQ_JAVA_MIN+ (found Java $major: $(java_cmd))"); else missing+=("Java $PREREQ_JAVA_MIN+"); fi
    packages+=("$(java_package)")
  fi
  if needs_node_modules && ! node_ok; then
    major="$(node_major)"
    if [ -n "$major" ] && [ "$major" -lt "$PREREQ_NODE_MIN" ]; then
      missing+=("Node $PREREQ_NODE_MIN+ with npm (found Node $major)")
    else
      missing+=("Node $PREREQ_NODE_MIN+ with npm")
    fi
    packages+=(nodejs npm)
  fi
  if needs_postgres && ! postgres_ok; then
    missing+=("PostgreSQL server binaries (initdb, postgres)")
    packages+=(postgresql)
  fi
}

# ---- installing ------------------------------------------------------------------------------------------------

say() { echo "prerequisites: $*" >&2; }

apt_command() { echo "apt-get update && apt-get install -y --no-install-recommends $*"; }

# The one command a person runs when this script may not install.
install_hint() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install $* with your system's package manager (no apt-get here)"
  elif [ "$EUID" -eq 0 ]; then
    apt_command "$@"
  elif command -v sudo >/dev/null 2>&1; then
    echo "sudo sh -c '$(apt_command "$@")'"
  else
    echo "su -c '$(apt_command "$@")'"
  fi
}

person_at_terminal() { [ -t 0 ] && [ "${CI:-}" != true ]; }

ask() {
  local answer
  read -r -p "$1 [Y/n] " answer || return 1
  [[ -z $answer || $answer =~ ^[Yy] ]]
}

# Runs apt-get as root: directly, or through sudo. Returns 2 when it may not (no root, no usable sudo, declined).
# Asks about the packages it is given; installs what prerequisites_missing finds after apt-get update (into the
# caller's missing and packages).
apt_install() {
  local as_root=()
  if ! command -v apt-get >/dev/null 2>&1; then
    return 2
  fi
  if [ "$EUID" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || return 2
    # Without a person to type a password, only passwordless sudo will do.
    if ! person_at_terminal && ! sudo -n true >/dev/null 2>&1; then
      return 2
    fi
    as_root=(sudo)
  fi
  if person_at_terminal && ! ask "Install $* with apt-get${as_root:+ (through sudo)}?"; then
    return 2
  fi

  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get update -q >&2 || return 1
  # With fresh package lists, choose again: which OpenJDK this release packages is known only now.
  prerequisites_missing
  # Slim Debian images lack this directory and the JRE's post-install script fails without it.
  if [[ " ${packages[*]} " == *" openjdk-"* ]]; then "${as_root[@]}" mkdir -p /usr/share/man/man1; fi
  say "installing with apt-get: ${packages[*]}"
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}" >&2 || return 1
}

# Runs npm ci where node_modules is missing or older than package-lock.json.
install_node_modules() {
  if ! needs_node_modules || node_modules_ok; then return 0; fi
  say "installing node_modules (npm ci: DynamoDB Local and the other pinned npm packages)"
  (cd "$PREREQ_REPO" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

prerequisites_check() {
  local missing packages
  prerequisites_missing
  if needs_node_modules && ! node_modules_ok; then missing+=("node_modules (npm ci)"); fi
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  say "missing: $(join_by ', ' "${missing[@]}")"
  if [ "${#packages[@]}" -gt 0 ]; then
    say "to install it, run: $(install_hint "${packages[@]}")"
  fi
  say "or run: $PREREQ_REPO/scripts/prerequisites.sh --install"
  return 1
}

prerequisites_install() {
  local missing packages status
  prerequisites_missing
  if [ "${#packages[@]}" -gt 0 ]; then
    say "missing: $(join_by ', ' "${missing[@]}")"
    apt_install "${packages[@]}"
    status=$?
    if [ "$status" -eq 2 ]; then
      say "not installing (not root, and no sudo that can be used without asking). Run:"
      say "  $(install_hint "${packages[@]}")"
      return 1
    elif [ "$status" -ne 0 ]; then
      say "apt-get failed; run it yourself: $(install_hint "${packages[@]}")"
      return 1
    fi
    hash -r
    prerequisites_missing
    if [ "${#missing[@]}" -gt 0 ]; then
      say "still missing after installing: $(join_by ', ' "${missing[@]}")"
      return 1
    fi
  fi
  install_node_modules || { say "npm ci failed in $PREREQ_REPO"; return 1; }
}

join_by() {
  local separator="$1" out="" item
  shift
  for item in "$@"; do out+="${out:+$separator}$item"; done
  echo "$out"
}

# ---- entry point (nothing runs when the file is sourced) ----------------------------------------------------------

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    --check) prerequisites_check ;;
    --install) prerequisites_install ;;
    *) echo "usage: $0 --check | --install" >&2; exit 64 ;;
  esac
fi
