#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Ours (iscsi_da + iser_dm) across two hosts: a 20 s cable pull on
# the target host (QEMU set_link: carrier loss) under fio verify; see
# tests/vm/lib/linkflap.sh for what is pulled and why.  Over siw the
# target host loads the patched siw (see ours-target-restart.sh), the
# initiator host stock siw.
# vm: pair
# vm-timeout: 400
# fabrics: rxe siw
# siw: patched
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"
# shellcheck disable=SC2034  # read by lib/linkflap.sh
stack=ours
# shellcheck source=tests/vm/lib/linkflap.sh
. "$(dirname "$0")/lib/linkflap.sh"
