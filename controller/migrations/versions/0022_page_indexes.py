"""indexes the busiest pages read by, at 10,000 servers (issue 19, bench/web)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05

- notifications (user_id, read_at): every page counts the reader's unread notices; by user_id
  alone that read all of an officer's notices (a year: tens of thousands) to find the unread.
- audit_events (entity, entity_id): a server's page and asset card read the server's own audit
  events; without it every page scanned the whole trail.
- inventory_items (server_id, collected_at): a server's monthly items and its latest one; the
  (run_id, server_id) key serves a run, not a server.
- allocations (server_id), (rack_id): a server's placements (the live-only unique index does
  not serve its history) and a rack's or a room's allocations.
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_notifications_user_id', table_name='notifications')
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'])
    op.create_index('ix_audit_events_entity', 'audit_events', ['entity', 'entity_id'])
    op.create_index('ix_inventory_items_server_collected', 'inventory_items', ['server_id', 'collected_at'])
    op.create_index('ix_allocations_server', 'allocations', ['server_id'])
    op.create_index('ix_allocations_rack', 'allocations', ['rack_id'])


def downgrade() -> None:
    op.drop_index('ix_allocations_rack', table_name='allocations')
    op.drop_index('ix_allocations_server', table_name='allocations')
    op.drop_index('ix_inventory_items_server_collected', table_name='inventory_items')
    op.drop_index('ix_audit_events_entity', table_name='audit_events')
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.create_index('ix_notifications_user_id', 'notifications', ['user_id'])
