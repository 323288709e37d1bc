// A confirmation dialog with a note: acknowledging or resolving alerts, resetting a stop.
import { useState } from 'react';
import { Alert, Button, Group, Modal, Stack, Textarea } from '@mantine/core';

export function NoteDialog({
  title,
  label,
  action,
  required = false,
  error = null,
  onCancel,
  onConfirm,
}: {
  title: string;
  label: string;
  action: string;
  required?: boolean;
  error?: string | null;
  onCancel: () => void;
  onConfirm: (note: string) => Promise<void>;
}) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <Modal opened onClose={onCancel} title={title}>
      <Stack>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Textarea label={label} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
        <Group justify="end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button
            loading={busy}
            disabled={required && !note.trim()}
            onClick={async () => {
              setBusy(true);
              await onConfirm(note.trim());
              setBusy(false);
            }}
          >
            {action}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
