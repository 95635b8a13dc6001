package io.cellflow.nflog;

/**
 * The kernel ABI the NFLOG backend speaks, in one place: netlink framing ({@code linux/netlink.h}), nfnetlink
 * ({@code linux/netfilter/nfnetlink.h}), nfnetlink_log ({@code linux/netfilter/nfnetlink_log.h}) and the log
 * prefixes our nft rules write. Netlink headers and attribute headers are in host byte order; attribute
 * <em>values</em> of nfnetlink_log (ifindex, hw_protocol, copy_range, group id) are big-endian.
 */
final class NflogAbi {
    private NflogAbi() {}

    /** Log prefixes: the ruleset writes them, the decoder maps them back to a direction. */
    static final String PREFIX_EGRESS = "cf:egress:";

    static final String PREFIX_INGRESS = "cf:ingress:";

    /**
     * A packet the cell's policy dropped: {@code cf:deny:<rule_ref>:}, the rule's 1-based index in the policy, 0
     * for the default action.
     */
    static final String PREFIX_DENY = "cf:deny:";

    static final int NETLINK_NETFILTER = 12;

    // struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }
    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_LEN = 0;
    static final int NLMSG_TYPE = 4;
    static final int NLMSG_FLAGS = 6;
    static final int NLMSG_SEQ = 8;
    static final int NLMSG_PID = 12;

    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    /** struct nlmsgerr: int error after the header, then the offending request's header */
    static final int NLMSGERR_ERROR = NLMSG_HDRLEN;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_ACK = 0x4;

    // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups; }
    static final int SOCKADDR_NL_SIZE = 12;

    // struct nfgenmsg { u8 family; u8 version; be16 res_id; }
    static final int NFGENMSG_SIZE = 4;
    static final int AF_UNSPEC = 0;
    static final int NFNETLINK_V0 = 0;

    // struct nlattr { u16 len; u16 type; }, values 4-byte aligned
    static final int NLA_HDRLEN = 4;
    static final int NLA_F_NESTED = 0x8000;
    static final int NLA_F_NET_BYTEORDER = 0x4000;
    static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    static final int NFNL_SUBSYS_ULOG = 4;
    static final int NFULNL_MSG_PACKET = 0;
    static final int NFULNL_MSG_CONFIG = 1;
    static final int MSG_PACKET = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
    static final int MSG_CONFIG = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;

    // enum nfulnl_attr_type (packet messages)
    static final int NFULA_PACKET_HDR = 1;
    static final int NFULA_IFINDEX_INDEV = 4;
    static final int NFULA_IFINDEX_OUTDEV = 5;
    static final int NFULA_PAYLOAD = 9;
    static final int NFULA_PREFIX = 10;
    /** struct nfulnl_msg_packet_hdr { be16 hw_protocol; u8 hook; u8 pad; } */
    static final int PACKET_HDR_SIZE = 4;

    // enum nfulnl_attr_config (config messages)
    static final int NFULA_CFG_CMD = 1;
    static final int NFULA_CFG_MODE = 2;
    static final int NFULA_CFG_TIMEOUT = 4;
    static final int NFULNL_CFG_CMD_BIND = 1;
    static final int NFULNL_CFG_CMD_UNBIND = 2;
    static final int NFULNL_COPY_PACKET = 2;
    /** struct nfulnl_msg_config_mode { be32 copy_range; u8 copy_mode; u8 pad; } (packed) */
    static final int CFG_MODE_SIZE = 6;

    static int align4(int n) {
        return (n + 3) & ~3;
    }
}
