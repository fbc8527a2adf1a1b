# The first redirect of tests/integration/t-redirect.sh with the kernel
# datapath, against two gateways doing ESP in the kernel: the kept CHILD SA
# is swapped for the new gateway's (other outer addresses in the states and policy templates)
# and the new gateway's route stays outside a full tunnel of XFRM policies.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1 ROVE_TEST_DATAPATH=kernel
stage "the kernel's AES-GCM"
esp_warmup
stage "t-redirect.sh with datapath=kernel"
exec bash "$integ/t-redirect.sh"
