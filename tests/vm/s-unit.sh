# The unit test on a kernel with ESP: SAs are really added, counted,
# refused when duplicated and flushed by reqid.
set -eu
. ${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh
rc=0
$bin/test_xfrm_vm > /tmp/unit.log 2>&1 || rc=$?
cat /tmp/unit.log
! grep -q "no kernel ESP" /tmp/unit.log || fail "the unit test saw no ESP in the VM"
[ $rc = 0 ] || fail "test_xfrm exited $rc"
