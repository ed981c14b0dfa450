#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Ours (iscsi_da + iser_dm) across two hosts: the initiator host changes
# its address under fio verify (10.0.3.2 -> 10.0.3.12); the session must
# recover over a new connection from the new address.  See
# tests/vm/lib/linkflap.sh (mode=addrchange).
# vm: pair
# vm-timeout: 400
# fabrics: rxe siw
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"
# shellcheck disable=SC2034  # read by lib/linkflap.sh
stack=ours mode=addrchange
# shellcheck source=tests/vm/lib/linkflap.sh
. "$(dirname "$0")/lib/linkflap.sh"
